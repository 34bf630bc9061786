//! Imports on the server: reading files (`reader`), checking and writing batches (`engine`), the job rows
//! (`queries`), the upload, the rejected-rows file and the server functions' bodies (`service`).

pub mod engine;
pub mod queries;
pub mod reader;
pub mod rejected;
pub mod service;
pub mod upload;
