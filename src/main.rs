//! The `fedrun` binary: everything lives in the library; see `fedrun::cmd`.

fn main() -> std::process::ExitCode {
    fedrun::cmd::main()
}
