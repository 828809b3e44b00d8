//! The MCP server: lists the tools (static ones and one per selected task), routes each call
//! to its tool, and wires a call's cancellation and progress token through to it.
//!
//! Transport-agnostic: one handler per session (stdio has one; HTTP one per session), all
//! sharing one [`Registry`]. A session that brings its own provider key (HTTP, when enabled)
//! gets a private state instead, so nothing of the server's own account reaches it.
//!
//! A call of a tool that starts or waits on cloud work, from a request that declares the
//! tasks extension, is answered as an MCP task: kept in the server's catalog (`mcp::tasks`),
//! carried out in the background by the same dispatch as any call, and answered through
//! `tasks/get`, `tasks/update` and `tasks/cancel`, from any process sharing the catalog.

use std::sync::{Arc, OnceLock};

use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskParams,
    CompleteRequestParams, CompleteResult, ContentBlock, CreateTaskResult, DiscoverResult,
    Extensions, GetPromptRequestParams, GetPromptResponse, GetTaskParams, GetTaskResult,
    Implementation, InitializeRequestParams, InitializeResult, JsonObject, ListPromptsResult,
    ListResourceTemplatesResult, ListToolsResult, PaginatedRequestParams, ProtocolVersion,
    ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
    ServerNotification, SubscriptionFilter, Tool, ToolListChangedNotification, UpdateTaskParams,
};
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use tracing::Instrument;

use super::activity::SessionGuard;
use super::context::adapter::ProviderSet;
use super::context::{Access, Caller, ToolContext};
use super::progress::McpProgress;
use super::registry::{ListedTool, Registry, Target};
use super::resources::viewer;
use super::shared_wait::LEASE_TTL;
use super::tasks::{self, TaskLink, TaskOwner};
use crate::cloud::Provider;
use crate::redact::{scrub_text, scrub_value};

/// How long a client may treat a `tools/list` answer as fresh (2026-07-28 `ttlMs`): changes
/// are announced on `subscriptions/listen` streams, so this only bounds how stale a client
/// that does not listen may be.
const TOOLS_LIST_TTL_MS: u64 = 30_000;

/// Whether the request's peer speaks protocol 2026-07-28 or newer.
fn speaks_2026(context: &RequestContext<RoleServer>) -> bool {
    context
        .peer
        .peer_info()
        .is_some_and(|info| info.protocol_version >= ProtocolVersion::V_2026_07_28)
}

/// The provider keys a session brought, each in its provider's header (see
/// [`Provider::key_header`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionKeys(pub Vec<(Provider, String)>);

impl SessionKeys {
    /// The keys in these request headers, for the providers of `providers`.
    pub fn from_headers(headers: &axum::http::HeaderMap, providers: &ProviderSet) -> Self {
        let read = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        Self(
            providers
                .all()
                .map(|adapter| adapter.provider())
                .filter_map(|provider| Some((provider, read(provider.key_header())?)))
                .collect(),
        )
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// How an HTTP session is served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionOptions {
    /// A session whose requests carry a provider key header runs on its own keys.
    pub per_request_keys: bool,
    /// Every request must come with an authenticated [`Caller`] (OAuth): one without is
    /// refused, never served as the server's own user.
    pub authenticated: bool,
}

/// The MCP handler of one session. Cheap to clone.
#[derive(Clone)]
pub struct BrowserTasksServer {
    global: Arc<Registry>,
    session: Arc<Session>,
}

struct Session {
    per_request_keys: bool,
    authenticated: bool,
    /// The subject an authenticated session belongs to (the first request's): a request of
    /// another subject is refused, so a session id reaching someone else is of no use.
    subject: OnceLock<Option<Arc<str>>>,
    /// The private state of a session that brought its own key (set once, on its first
    /// request that carries the header).
    private: OnceLock<Result<Arc<Registry>, String>>,
    /// The fingerprint of the keys it brought (who owns its MCP tasks), set with `private`.
    own_keys: OnceLock<String>,
    /// Counts this session as open (HTTP sessions, which are capped).
    _open: Option<SessionGuard>,
}

/// How far a session may go, for what its instructions say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// The server is read-only (`--read-only`).
    ReadOnlyServer,
    /// The caller may only read (its token's scopes).
    Read,
    /// The caller may run tasks, not make or change them.
    Run,
    /// Everything.
    Build,
}

impl Reach {
    /// How far `caller` may go on a server with `settings`.
    fn of(settings: &super::ToolSettings, caller: &Caller) -> Self {
        let allows = |access| settings.allows(access) && caller.allows(access);
        if !settings.allows(Access::Run) {
            Reach::ReadOnlyServer
        } else if allows(Access::Build) {
            Reach::Build
        } else if allows(Access::Run) {
            Reach::Run
        } else {
            Reach::Read
        }
    }
}

/// What the server tells a client (and its model) at initialization: what it does and how
/// the tools fit together, as far as the session may go. The clouds are named from the
/// registered providers.
fn instructions(providers: &ProviderSet, reach: Reach) -> String {
    let names: Vec<String> = providers.all().map(|a| a.provider().to_string()).collect();
    let clouds = match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and/or {last}", rest.join(", ")),
        None => "no cloud".to_string(),
    };
    // Every conversation pays for these bytes: what ties the tools together, no more (each
    // tool's description says what it does).
    let reading = "find tasks with list_tasks and get_task, runs with list_executions and \
                   get_execution.";
    match reach {
        Reach::ReadOnlyServer => format!(
            "Shows browser-automation tasks and their runs in the cloud ({clouds}, as \
             configured), read-only: {reading} This server starts, stops and changes nothing."
        ),
        Reach::Read => format!(
            "Shows browser-automation tasks and their runs in the cloud ({clouds}, as \
             configured), read-only for you (your authorization's scope): {reading} Nothing \
             you call starts, stops or changes anything."
        ),
        Reach::Run => format!(
            "Runs browser-automation tasks in the cloud ({clouds}, as configured). Each ready \
             task is also a tool of its own; any task, listed as a tool or not, runs with \
             run_task. Find tasks with list_tasks, follow long runs with get_execution. Runs \
             act in the cloud and may cost money: never repeat one because an answer was slow; \
             check list_executions or get_execution first."
        ),
        Reach::Build => format!(
            "Runs browser-automation tasks in the cloud ({clouds}, as configured). Each ready \
             task is also a tool of its own; any task, listed as a tool or not, runs with \
             run_task. Find tasks with list_tasks, follow long runs with get_execution, make \
             tasks with generate_task (or create_task, from code) and publish them with \
             deploy_task. Runs, generations and deployments act in the cloud and may cost \
             money: never repeat one because an answer was slow; check list_executions or \
             get_execution first."
        ),
    }
}

impl BrowserTasksServer {
    /// The handler of a session on the server's own state (stdio, or HTTP without
    /// per-request keys).
    pub fn new(shared: Arc<Registry>) -> Self {
        Self {
            session: Arc::new(Session {
                per_request_keys: false,
                authenticated: false,
                subject: OnceLock::new(),
                private: OnceLock::new(),
                own_keys: OnceLock::new(),
                _open: None,
            }),
            global: shared,
        }
    }

    /// The handler of one HTTP session (counted against the session cap while alive). With
    /// `per_request_keys`, a session whose requests carry an `anchor-api-key` or
    /// `x-browser-use-api-key` header (or that is opened with `keys`) runs on its own keys.
    pub fn session(shared: Arc<Registry>, options: SessionOptions, keys: SessionKeys) -> Self {
        let private = OnceLock::new();
        let own_keys = OnceLock::new();
        if options.per_request_keys && !keys.is_empty() {
            let _ = private.set(shared.for_session_keys(&keys.0));
            let _ = own_keys.set(tasks::key_fingerprint(&keys.0));
        }
        Self {
            session: Arc::new(Session {
                per_request_keys: options.per_request_keys,
                authenticated: options.authenticated,
                subject: OnceLock::new(),
                private,
                own_keys,
                _open: Some(shared.activity().session()),
            }),
            global: shared,
        }
    }

    /// Every tool the server's own state lists.
    pub async fn tools(&self) -> Vec<Tool> {
        self.global.table().await.listing()
    }

    /// The server's own registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.global
    }

    /// The state this session works on, given the extensions of its current request.
    fn state(&self, extensions: &Extensions) -> Result<Arc<Registry>, McpError> {
        let private = match self.session.private.get() {
            Some(private) => Some(private),
            None if self.session.per_request_keys => {
                session_keys(extensions, &self.global.env().providers).map(|keys| {
                    let _ = self.session.own_keys.set(tasks::key_fingerprint(&keys.0));
                    self.session
                        .private
                        .get_or_init(|| self.global.for_session_keys(&keys.0))
                })
            }
            None => None,
        };
        match private {
            None => Ok(self.global.clone()),
            Some(Ok(state)) => Ok(state.clone()),
            Some(Err(reason)) => Err(McpError::internal_error(
                format!("this session's own provider key could not be set up: {reason}"),
                None,
            )),
        }
    }
}

impl BrowserTasksServer {
    /// Who makes the request with these extensions: the [`Caller`] the transport put there
    /// (in them, or in the HTTP request's), else the server's own user. A session that must
    /// be authenticated refuses a request without one, and one of another subject than its
    /// first.
    fn caller(&self, extensions: &Extensions) -> Result<Caller, McpError> {
        let Some(caller) = Caller::in_request(extensions) else {
            if self.session.authenticated {
                // Fail closed: the transport authenticates every request of such a session.
                return Err(McpError::invalid_request(
                    "this request carries no authenticated caller; send it with your access \
                     token",
                    None,
                ));
            }
            return Ok(Caller::operator());
        };
        if self.session.authenticated {
            let owner = self
                .session
                .subject
                .get_or_init(|| caller.subject().map(Arc::from));
            if owner.as_deref() != caller.subject() {
                return Err(McpError::invalid_request(
                    "this session belongs to another user: open a session of your own \
                     (initialize without an Mcp-Session-Id)",
                    None,
                ));
            }
        }
        Ok(caller.clone())
    }

    /// Who owns the MCP tasks of a request with these `extensions` (see `mcp::tasks`).
    fn owner(&self, extensions: &Extensions) -> TaskOwner {
        let env = self.global.env();
        let brought = session_keys(extensions, &env.providers)
            .map(|keys| tasks::key_fingerprint(&keys.0))
            .or_else(|| self.session.own_keys.get().cloned())
            .filter(|_| self.session.per_request_keys);
        TaskOwner::of(extensions, brought.as_deref(), &env.settings.account)
    }

    /// Answer a call with a task: kept in the catalog (with this process holding its lease)
    /// before its id is returned, then carried out in the background.
    async fn start_task(
        &self,
        state: Arc<Registry>,
        listed: ListedTool,
        mut arguments: JsonObject,
        context: &RequestContext<RoleServer>,
    ) -> Result<CreateTaskResult, McpError> {
        // Tasks live in the server's catalog, shared by its processes (a session's own keys
        // have a private catalog, which would not outlive it).
        let env = self.global.env();
        let caller = self.caller(&context.extensions)?;
        let owner = self.owner(&context.extensions);
        let task = tasks::create(env, &owner, &listed.tool.name).await?;
        // Taken before the id goes out: no other process may take the task for abandoned.
        if let Err(error) = env
            .catalog
            .claim_lease(&tasks::lease(&task.task_id), env.lease_holder(), LEASE_TTL)
            .await
        {
            tracing::warn!(%error, "could not take a new task's lease");
        }
        // A task waits for its work as long as it lives, unless the call says otherwise.
        let takes_wait = listed
            .tool
            .input_schema
            .get("properties")
            .and_then(|p| p.get("wait_seconds"))
            .is_some();
        if takes_wait && !arguments.contains_key("wait_seconds") {
            let budget = tasks::time_left(&task);
            arguments.insert("wait_seconds".into(), budget.as_secs().into());
        }
        let created = CreateTaskResult::new(tasks::shown(&task, &env.settings.waits));
        tracing::info!(task = %task.task_id, tool = %listed.tool.name, "answering a call as a task");
        self.carry_out_task(state, listed, arguments, task, context.peer.clone(), caller);
        Ok(created)
    }

    /// Carry `task`'s call out in the background (this process holds its lease), and end the
    /// task with its answer.
    fn carry_out_task(
        &self,
        state: Arc<Registry>,
        listed: ListedTool,
        arguments: JsonObject,
        task: crate::catalog::CallTask,
        peer: rmcp::service::Peer<RoleServer>,
        caller: Caller,
    ) {
        let env = self.global.env().clone();
        let cancel = tokio_util::sync::CancellationToken::new();
        let link = TaskLink::new(
            env.catalog.clone(),
            &task.task_id,
            task.state.clone(),
            cancel.clone(),
            tasks::time_left(&task),
        );
        let span = tracing::info_span!("task", id = %task.task_id, tool = %listed.tool.name);
        tokio::spawn(
            async move {
                let _here = tasks::carry_out(&task.task_id, cancel.clone());
                env.leases_held(1);
                let _in_flight = state.activity().call();
                let channel: Arc<dyn super::progress::TaskChannel> = link.clone();
                let call = ToolContext {
                    env: state.env(),
                    caller,
                    cancel: cancel.clone(),
                    progress: McpProgress::new(peer, None, state.env().secrets.clone())
                        .for_task(channel),
                };
                let result = dispatch(&state, &listed, &call, arguments).await;
                let ending = if cancel.is_cancelled() {
                    // What the call said of the stop is the task's last status message.
                    if let Some(said) = result.content.first().and_then(|c| c.as_text()) {
                        link.status_now(said.text.clone()).await;
                    }
                    tasks::Ending::Cancelled
                } else {
                    tasks::Ending::Answered(result)
                };
                link.finish(ending).await;
                let lease = tasks::lease(&task.task_id);
                if let Err(error) = env.catalog.release_lease(&lease, env.lease_holder()).await {
                    tracing::debug!(%error, "could not give a task's lease up");
                }
                env.leases_held(-1);
            }
            .instrument(span),
        );
    }

    /// Finish a task whose process stopped (this process just took its lease): follow the
    /// run it recorded with `get_execution` for the time it has left, or end it as failed
    /// when it expired or recorded no run.
    async fn take_over(
        &self,
        task: crate::catalog::CallTask,
        context: &RequestContext<RoleServer>,
        caller: Caller,
    ) {
        let env = self.global.env();
        let fail = |message: String| {
            let link = TaskLink::new(
                env.catalog.clone(),
                &task.task_id,
                task.state.clone(),
                tokio_util::sync::CancellationToken::new(),
                std::time::Duration::ZERO,
            );
            let lease = tasks::lease(&task.task_id);
            async move {
                link.finish(tasks::Ending::Failed(McpError::internal_error(
                    message, None,
                )))
                .await;
                if let Err(error) = env.catalog.release_lease(&lease, env.lease_holder()).await {
                    tracing::debug!(%error, "could not give a task's lease up");
                }
            }
        };
        if tasks::expired(&task) {
            return fail(format!(
                "task expired: its TTL ({} s) elapsed before the call ended",
                task.ttl_ms / 1000
            ))
            .await;
        }
        let follow = self
            .state(&context.extensions)
            .ok()
            .map(|state| (state.table_as_built().get("get_execution").cloned(), state));
        let (Some(work), Some((Some(listed), state))) = (task.state.work.clone(), follow) else {
            return fail(format!(
                "The server process carrying out this {} call stopped before it recorded \
                 the run it waits on, so it cannot be finished here. Whether a run started \
                 is unknown: list_executions shows the recent runs; do not start it again \
                 before checking.",
                task.tool
            ))
            .await;
        };
        tracing::info!(task = %task.task_id, "finishing a task whose server stopped");
        // The arguments get_execution takes, from what the task recorded of its run.
        let known = listed.tool.input_schema.get("properties").cloned();
        let mut arguments: JsonObject = work
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(name, _)| {
                known
                    .as_ref()
                    .is_some_and(|k| k.get(name.as_str()).is_some())
            })
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        let left = tasks::time_left(&task).as_secs().max(1);
        arguments.insert("wait_seconds".into(), left.into());
        // Followed as its owner (who asks for it now) would: the run is theirs.
        self.carry_out_task(state, listed, arguments, task, context.peer.clone(), caller);
    }
}

/// Carry a call out with its tool, and scrub what it answers.
async fn dispatch(
    state: &Registry,
    listed: &ListedTool,
    call: &ToolContext<'_>,
    arguments: JsonObject,
) -> CallToolResult {
    tracing::debug!("tool call");
    let result = match &listed.target {
        Target::Static(tool) => super::tools::call(*tool, call, &listed.validator, arguments).await,
        Target::Task(task_tool) => match task_tool.call(call, &listed.validator, arguments).await {
            Ok(reply) => reply.into_result(),
            Err(error) => error.into_result(&task_tool.tool.name),
        },
    };
    tracing::info!(
        is_error = result.is_error.unwrap_or(false),
        "tool call done"
    );
    // Whatever a task echoes, the values of configured secrets and of secrets runs were given
    // never reach a client.
    scrub_result(result, &state.env().secrets.values())
}

/// The provider keys an HTTP request brought, if any.
fn session_keys(extensions: &Extensions, providers: &ProviderSet) -> Option<SessionKeys> {
    let parts = extensions.get::<axum::http::request::Parts>()?;
    let keys = SessionKeys::from_headers(&parts.headers, providers);
    (!keys.is_empty()).then_some(keys)
}

fn scrub_result(mut result: CallToolResult, secrets: &[String]) -> CallToolResult {
    if secrets.is_empty() {
        return result;
    }
    for block in &mut result.content {
        if let Some(text) = block.as_text().map(|t| t.text.clone()) {
            *block = ContentBlock::text(scrub_text(&text, secrets));
        }
    }
    if let Some(structured) = &mut result.structured_content {
        scrub_value(structured, secrets);
    }
    result
}

impl ServerHandler for BrowserTasksServer {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_tool_list_changed()
            .enable_resources()
            .enable_prompts()
            .enable_completions()
            .enable_tasks()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new(
                env!("CARGO_PKG_NAME"),
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(instructions(
                &self.global.env().providers,
                Reach::of(&self.global.env().settings, &Caller::operator()),
            ))
    }

    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, McpError> {
        // Settle which state this session uses, and whose it is, from its first request.
        self.state(&context.extensions)?;
        let caller = self.caller(&context.extensions)?;
        context.peer.set_peer_info(request.clone());
        let mut result = self.negotiate_initialize(&request)?;
        // What the model reads fits what this caller may do.
        let env = self.global.env();
        result.instructions = Some(instructions(
            &env.providers,
            Reach::of(&env.settings, &caller),
        ));
        Ok(result)
    }

    async fn discover(
        &self,
        context: RequestContext<RoleServer>,
    ) -> Result<DiscoverResult, McpError> {
        let caller = self.caller(&context.extensions)?;
        let mut result = DiscoverResult::from_server_info(
            self.supported_protocol_versions().into_owned(),
            self.get_info(),
        );
        let env = self.global.env();
        result.instructions = Some(instructions(
            &env.providers,
            Reach::of(&env.settings, &caller),
        ));
        if caller.subject().is_some() {
            // Shaped by this caller's scopes: no cache shares it.
            result.cache_scope = CacheScope::Private;
        }
        Ok(result)
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        match self.state(&context.extensions) {
            Ok(state) => state.add_peer(context.peer),
            Err(error) => tracing::warn!(%error, "a session without a usable state"),
        }
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let state = self.state(&context.extensions)?;
        let caller = self.caller(&context.extensions)?;
        let table = state.listed_table().await;
        // A host that renders MCP Apps gets the run viewer linked from the tools that answer
        // with a run; any other client gets the list as it is. Only what the caller may call
        // is listed (lists may vary by authorization).
        let apps = viewer::client_renders(context.peer.peer_info().as_deref());
        let tools = table
            .tools
            .iter()
            .filter(|listed| caller.allows(listed.access()))
            .map(|listed| match &listed.target {
                Target::Task(_) if apps => viewer::linked(listed.tool.clone()),
                Target::Static(tool) if apps && viewer::LINKED_TOOLS.contains(&tool.name()) => {
                    viewer::linked(listed.tool.clone())
                }
                _ => listed.tool.clone(),
            })
            .collect();
        let result = ListToolsResult::with_all_items(tools);
        if !speaks_2026(&context) {
            return Ok(result);
        }
        // Caching hints (2026-07-28): the list changes only when tasks do, which a
        // `subscriptions/listen` stream announces; a session with its own keys has its own.
        // A list with the viewer's links is this client's alone (another may not render
        // apps), and so is an authenticated caller's (its scopes shape it).
        let scope = if self.session.per_request_keys || apps || caller.subject().is_some() {
            CacheScope::Private
        } else {
            CacheScope::Public
        };
        Ok(result
            .with_ttl_ms(TOOLS_LIST_TTL_MS)
            .with_cache_scope(scope))
    }

    fn accepted_subscription_filter(
        &self,
        _requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        // Only the tool list changes (prompts and resource templates are fixed).
        Some(SubscriptionFilter::builder().tools_list_changed().build())
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), McpError> {
        let state = self.state(&context.request_context().extensions)?;
        let mut announced = state.announcements();
        loop {
            tokio::select! {
                () = context.cancelled() => return Ok(()),
                changed = announced.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                    if context.accepted().tools_list_changed != Some(true) {
                        continue;
                    }
                    let notification = ServerNotification::ToolListChangedNotification(
                        ToolListChangedNotification::default(),
                    );
                    if let Err(error) = context.sink().send(notification).await {
                        tracing::debug!(%error, "a subscription closed");
                        return Ok(());
                    }
                }
            }
        }
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(
            super::resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let state = self.state(&context.extensions)?;
        let call = ToolContext {
            env: state.env(),
            caller: self.caller(&context.extensions)?,
            cancel: context.ct.clone(),
            progress: McpProgress::new(context.peer.clone(), None, state.env().secrets.clone()),
        };
        let result = super::resources::read(&call, &request.uri).await?;
        Ok(result.into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        let state = self.state(&context.extensions)?;
        let facts =
            super::prompts::Facts::for_caller(state.env(), self.caller(&context.extensions)?);
        Ok(ListPromptsResult::with_all_items(super::prompts::list(
            &facts,
        )))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let state = self.state(&context.extensions)?;
        let facts =
            super::prompts::Facts::for_caller(state.env(), self.caller(&context.extensions)?);
        let result = super::prompts::get(&facts, &request.name, request.arguments.as_ref()).await?;
        Ok(result.into())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        let state = self.state(&context.extensions)?;
        let facts =
            super::prompts::Facts::for_caller(state.env(), self.caller(&context.extensions)?);
        super::prompts::completion::complete(&facts, &request).await
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        let state = match self.session.private.get() {
            Some(Ok(private)) => private.clone(),
            _ => self.global.clone(),
        };
        state.table_as_built().get(name).map(|t| t.tool.clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let state = self.state(&context.extensions)?;
        let caller = self.caller(&context.extensions)?;
        let table = state.table().await;
        let Some(listed) = table.get(&request.name).cloned() else {
            // An unknown tool is a protocol error (the client asked for something never
            // offered), unlike bad arguments, which the model can fix from an isError result.
            // A tool this server has but does not offer read-only says why; any other name
            // is unknown.
            if state.env().settings.read_only && super::tools::names().contains(&&*request.name) {
                return Err(McpError::invalid_params(
                    format!(
                        "tool {:?} is not offered: this server is read-only (--read-only); \
                         tools/list shows what it offers",
                        request.name
                    ),
                    None,
                ));
            }
            return Err(McpError::invalid_params(
                format!(
                    "unknown tool {:?}; tools/list shows the tools this server offers, and \
                     run_task runs any task by id or name",
                    request.name
                ),
                None,
            ));
        };
        if !caller.allows(listed.access()) {
            // The HTTP layer refuses such a call first (403, naming the scope to ask for);
            // this holds for every transport.
            return Err(McpError::invalid_params(
                format!(
                    "tool {:?} needs {} access, which your authorization does not grant; \
                     tools/list shows what you may call",
                    request.name,
                    listed.access().word()
                ),
                None,
            ));
        }
        let arguments = request.arguments.unwrap_or_default();
        // The tasks extension, only for a request that declared it (else the budgeted wait).
        let declared = context
            .client_capabilities()
            .is_some_and(|capabilities| capabilities.supports_tasks());
        let task_tool = matches!(listed.target, Target::Task(_));
        if declared && tasks::eligible(&request.name, task_tool, &arguments) {
            return self
                .start_task(state, listed, arguments, &context)
                .await
                .map(CallToolResponse::Task);
        }
        let _in_flight = state.activity().call();
        let span = tracing::info_span!("tool", name = %request.name, request_id = ?context.id);
        let call = ToolContext {
            env: state.env(),
            caller,
            cancel: context.ct.clone(),
            progress: McpProgress::new(
                context.peer.clone(),
                context.meta.get_progress_token(),
                state.env().secrets.clone(),
            ),
        };
        let result = dispatch(&state, &listed, &call, arguments)
            .instrument(span)
            .await;
        Ok(result.into())
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        let env = self.global.env();
        let caller = self.caller(&context.extensions)?;
        let owner = self.owner(&context.extensions);
        let mut task = tasks::owned(env, &request.task_id, &owner).await?;
        // A task no process carries out any more (its lease lapsed) is finished from here.
        if !task.state.is_terminal() && !tasks::runs_here(&task.task_id) {
            let lease = tasks::lease(&task.task_id);
            let free = env
                .catalog
                .claim_lease(&lease, env.lease_holder(), LEASE_TTL)
                .await
                .unwrap_or(false);
            if free {
                self.take_over(task, &context, caller).await;
                task = tasks::owned(env, &request.task_id, &owner).await?;
            }
        }
        Ok(GetTaskResult::new(tasks::detailed(
            &task,
            &env.settings.waits,
        )))
    }

    async fn update_task(
        &self,
        request: UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let owner = self.owner(&context.extensions);
        tasks::answer(
            self.global.env(),
            &request.task_id,
            &owner,
            request.input_responses,
        )
        .await
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let owner = self.owner(&context.extensions);
        tasks::cancel(self.global.env(), &request.task_id, &owner).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a client's model reads first, whatever is configured: the registered clouds by
    /// name, and how the tools fit together.
    #[test]
    fn instructions_name_the_registered_clouds() {
        let template = crate::cloud::HttpSettings::new("http://127.0.0.1:9", String::new().into());
        let unkeyed = crate::config::ProviderSettings {
            connection: None,
            template,
        };
        let providers = crate::providers::register_with(&unkeyed, &unkeyed)
            .expect("an unkeyed provider needs no client");
        insta::assert_snapshot!(instructions(&providers, Reach::Build));
        // A caller whose scopes stop short of building, or of running, reads what it may do.
        insta::assert_snapshot!(
            "instructions_for_a_runner",
            instructions(&providers, Reach::Run)
        );
        insta::assert_snapshot!(
            "instructions_for_a_reader",
            instructions(&providers, Reach::Read)
        );
        let settings = crate::mcp::registry::tests::test_registry(true, false)
            .env()
            .settings
            .clone();
        let reader = Caller::user("u", &[Access::Read], false);
        assert_eq!(Reach::of(&settings, &reader), Reach::Read);
        assert_eq!(Reach::of(&settings, &Caller::operator()), Reach::Build);
        let read_only = crate::mcp::ToolSettings {
            read_only: true,
            ..settings
        };
        assert_eq!(
            Reach::of(&read_only, &Caller::operator()),
            Reach::ReadOnlyServer
        );
    }
}
