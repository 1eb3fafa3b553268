//! The binary's allocator: mimalloc, with the one option parity needs set before any work.
//!
//! parity allocates millions of small strings and tree nodes while parsing; with glibc's malloc
//! a third of the CPU time went to malloc and free (docs/performance.md), mimalloc halves that.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_t` (`include/mimalloc.h`: the 16th
/// entry). libmimalloc-sys exports `mi_option_set` but not this constant.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long mimalloc keeps a freed page before giving it back to the system, in milliseconds.
///
/// mimalloc v3's default is 1000 ms, longer than a whole run, so a freed parse tree (a 5 MB
/// compose file's is ~50 MB) stayed resident to the end. At 10 ms it leaves: at 10,000 services
/// per side peak RSS is ~100 MB instead of ~140 MB, for ~6-8 % more CPU (pages reused after
/// being given back are zeroed again by the kernel; docs/performance.md, fifth round). The third
/// round had set -1 (never give back) when the model was larger and purging cost 21 % of the CPU.
const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Sets mimalloc's purge delay ([`PURGE_DELAY_MS`]) before any work.
/// `MIMALLOC_PURGE_DELAY` in the environment still wins: mimalloc reads it when it starts, and
/// this call is skipped then.
// The one place in the workspace allowed to use `unsafe` (`cargo xtask tidy` checks it).
#[allow(unsafe_code)]
pub(crate) fn configure() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: `mi_option_set` takes an option index and a value by copy and touches no memory of
    // ours; the index is a valid `mi_option_t` of the mimalloc version linked (v3, the
    // `mimalloc` crate's default), and the value is a delay in milliseconds. Options are
    // plain integers read by the allocator; setting one while other threads allocate is allowed
    // (mimalloc's own `mi_option_set` is used that way), and here no other thread exists yet.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
}

#[cfg(test)]
mod tests {
    use super::MI_OPTION_PURGE_DELAY;

    #[allow(unsafe_code)]
    fn purge_delay() -> std::ffi::c_long {
        // SAFETY: reads an integer option by a valid `mi_option_t` index; no memory of ours.
        unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }
    }

    /// Run by `the_index_is_mimallocs_purge_delay`, in a child process whose environment sets
    /// the option by its name.
    #[test]
    #[ignore = "run in a child process by the_index_is_mimallocs_purge_delay"]
    fn purge_delay_from_the_environment() {
        assert_eq!(purge_delay(), 1234);
    }

    /// The hard-coded index names the purge delay in the mimalloc linked: the value that
    /// `MIMALLOC_PURGE_DELAY` gives reads back through it (a mimalloc upgrade that renumbered the
    /// options would make `configure` set another option).
    #[test]
    fn the_index_is_mimallocs_purge_delay() {
        let test_binary = std::env::current_exe().expect("the test binary's path");
        let output = std::process::Command::new(test_binary)
            .args([
                "--exact",
                "alloc::tests::purge_delay_from_the_environment",
                "--ignored",
            ])
            .env("MIMALLOC_PURGE_DELAY", "1234")
            .output()
            .expect("the test binary runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}");
        assert!(stdout.contains("1 passed"), "{stdout}");
    }
}
