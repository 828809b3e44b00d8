//! The one place a tool call waits on cloud work: a shared tool takes the [`Work`] its
//! provider's part planned, with the wait budget the tool computed once from its arguments,
//! and carries it out (start once and wait, follow, wait on a generation), with progress and
//! cancellation, into the reply.

use std::time::Duration;

use super::context::ToolContext;
use super::context::work::Work;
use super::reply::{Reply, ToolError};
use super::{generation, running};

/// Carry out `work` for a call, waiting at most `budget`.
pub async fn carry_out(
    call: &ToolContext<'_>,
    work: Work<'_>,
    budget: Duration,
) -> Result<Reply, ToolError> {
    match work {
        Work::Done(reply) => Ok(reply),
        Work::Start(start) => {
            let secrets = start.secrets.clone();
            let (report, end) = running::start_and_wait(call, start, budget).await?;
            Ok(running::run_reply(report, end)?.scrubbed(&secrets))
        }
        Work::Follow(follow) => running::follow(call, *follow, budget).await,
        Work::Execute(execution) => {
            let secrets = execution.secrets.clone();
            let report = running::execute(call, execution).await?;
            Ok(running::skill_reply(report).scrubbed(&secrets))
        }
        Work::Generation(wait) => generation::wait(call, *wait, budget).await,
    }
}
