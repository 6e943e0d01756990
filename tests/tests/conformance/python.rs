//! The CPython side: one long-lived `python3 cpython_trace.py` per test, fed one program per
//! line on its standard input and answering one trace per line on its standard output.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use super::json::Json;
use super::program::{self, Op};

/// Where the script is.
pub const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/conformance/cpython_trace.py");

/// A running worker.
pub struct Worker {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    /// What the worker said it runs, such as `CPython 3.11.7`.
    pub version: String,
}

impl Worker {
    /// Starts `python` (`WEAKREF_PYTHON`, by default `python3`) on the script and waits for its
    /// greeting; `Err` says why it could not, for the skip message.
    pub fn start() -> Result<Worker, String> {
        let python = std::env::var("WEAKREF_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut child = Command::new(&python)
            .arg("-u")
            .arg(SCRIPT)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot run `{python}`: {e}"))?;
        let input = child.stdin.take().expect("piped");
        let output = BufReader::new(child.stdout.take().expect("piped"));
        let mut worker = Worker {
            child,
            input,
            output,
            version: String::new(),
        };
        let hello = worker
            .read()
            .map_err(|e| format!("`{python}` did not start the worker: {e}"))?;
        if let Some(problem) = hello.get("unsupported").and_then(Json::as_str) {
            return Err(format!("`{python}` is not usable: {problem}"));
        }
        worker.version = hello
            .get("ready")
            .and_then(Json::as_str)
            .ok_or_else(|| format!("unexpected greeting from the worker: {hello}"))?
            .to_owned();
        Ok(worker)
    }

    fn read(&mut self) -> Result<Json, String> {
        let mut line = String::new();
        let n = self
            .output
            .read_line(&mut line)
            .map_err(|e| format!("reading from the worker: {e}"))?;
        if n == 0 {
            return Err("the worker exited (its error, if any, is above)".into());
        }
        Json::parse(&line)
    }

    /// Runs a [`request`]; returns the trace, or the worker's own error (a Python exception in
    /// the script).
    pub fn run(&mut self, request: &Json) -> Result<Vec<Vec<String>>, String> {
        // One write per program: `Json`'s `Display` writes token by token, and the pipe is
        // unbuffered.
        let line = format!("{request}\n");
        self.input
            .write_all(line.as_bytes())
            .and_then(|()| self.input.flush())
            .map_err(|e| format!("writing to the worker: {e}"))?;
        let answer = self.read()?;
        if let Some(error) = answer.get("error").and_then(Json::as_str) {
            return Err(format!("the Python side failed:\n{error}"));
        }
        let trace = answer
            .get("trace")
            .and_then(Json::as_array)
            .ok_or_else(|| format!("no trace in the worker's answer: {answer}"))?;
        trace
            .iter()
            .map(|record| {
                record
                    .as_array()
                    .and_then(|lines| {
                        lines
                            .iter()
                            .map(|line| line.as_str().map(str::to_owned))
                            .collect::<Option<Vec<_>>>()
                    })
                    .ok_or_else(|| format!("malformed record from the worker: {record}"))
            })
            .collect()
    }
}

/// What the worker reads for one program: the slot counts (objects, references, finalizers,
/// collections) and the number of values, the program, and the `popitem` choices the Rust run
/// made, for the Python side to replay.
pub fn request(program: &[Op], choices: &[String]) -> Json {
    let sizes = [
        program::OBJS,
        program::REFS,
        program::FINS,
        program::COLLS,
        program::VALUES,
    ];
    Json::Object(vec![
        (
            "sizes".into(),
            Json::Array(sizes.into_iter().map(Json::int).collect()),
        ),
        ("program".into(), program::to_json(program)),
        (
            "choices".into(),
            Json::Array(choices.iter().map(|c| Json::str(c)).collect()),
        ),
    ])
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing its input ends the worker's loop.
        let _ = writeln!(self.input);
        let _ = self.child.wait();
    }
}
