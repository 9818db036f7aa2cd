//! Compile-time guarantees: each file under tests/ui/fail/ is a definition that must not
//! compile, named as the rule it breaks, with the compiler's message beside it (.stderr).
//! tests/ui/pass/ holds the valid counterparts. Update the .stderr files with
//! `TRYBUILD=overwrite cargo test --test ui`, then read every one.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
