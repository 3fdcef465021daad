//! Direct uploads to S3: what each kind accepts, and the presigned POST that makes S3 itself
//! enforce the key, the content type and the size before a byte reaches us.

pub mod limits;
pub mod policy;
