//! The work behind the verbs: inspection reports, applicability of patches, files in use,
//! prerequisite rules, and authoring of packages and patches. Each job returns typed data.

pub mod applicability;
pub mod authoring;
pub mod diagnose;
pub mod inspect;
pub mod live;
pub mod locks;
pub mod rules;
pub mod sign;
pub mod validate;
pub mod verify;
