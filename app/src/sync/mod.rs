//! The external opportunity sync (issue 15), built in slices. This slice: `normalize`, the one place that
//! decides whether two records are the same opportunity and what a source's value is before it is compared
//! or stored. Sources, polling, versions and the inbox build on it.

pub mod normalize;
