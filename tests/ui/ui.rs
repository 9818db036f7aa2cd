//! Compile-time guarantees: each file under tests/ui/fail/ is a definition that must not
//! compile, named as the rule it breaks, with the compiler's message beside it (.stderr).
//! Their valid counterparts compile and run in the integration suite
//! (tests/suite/valid_counterparts.rs). Update the .stderr files with
//! `TRYBUILD=overwrite cargo test -p fluxdsl-compile-fail`, then read every one.
//!
//! Only compile-fail cases are here, so trybuild checks (never builds) the lean DSL: on a
//! fresh clone this costs a metadata-only build of fluxdsl's own dependencies, not a second
//! full build of kube, tokio and every dev-dependency.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("fail/*.rs");
}
