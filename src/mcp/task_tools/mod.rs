//! Every task is a tool: the pure translation from a task's parameters to its tool.

pub mod naming;
pub mod schema;
