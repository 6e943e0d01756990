//! Report helpers for the benchmarks of `weakref-benches`.
//!
//! The benchmarks themselves live in `benches/` (`foundation.rs` first); run them with
//! `cargo bench -p weakref-benches`. This library holds the parts of their reports that do not
//! need criterion and can be unit-tested: reading criterion's `estimates.json`, reading the
//! output of the CPython scripts (`cpython_weakref.py`), and judging a ratio against its goal.
//!
//! Everything here is dependency-free on purpose: the JSON criterion writes has a fixed shape,
//! so a few lines of string scanning replace a JSON parser.

use std::fmt;
use std::path::{Path, PathBuf};

/// The path of criterion's estimates for `function` in `group`, under a criterion output
/// directory (`<target>/criterion`).
///
/// Criterion stores the latest run of each benchmark in
/// `<criterion>/<group>/<function>/new/estimates.json`. Names are expected to be plain
/// identifiers, which criterion uses as directory names unchanged.
pub fn estimates_path(criterion_dir: &Path, group: &str, function: &str) -> PathBuf {
    criterion_dir
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json")
}

/// The criterion output directory of a benchmark run, found as criterion finds it:
/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion` (a relative `CARGO_TARGET_DIR` is
/// taken relative to the current directory, as criterion takes it), else
/// `<workspace>/target/criterion`.
pub fn criterion_dir(workspace_root: &Path) -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root.join("target"))
        .join("criterion")
}

/// The mean's point estimate, in nanoseconds, from the text of a criterion `estimates.json`.
///
/// Returns `None` when the text has no `"mean"` object with a numeric `"point_estimate"`.
///
/// ```
/// let json = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,
///     "lower_bound":3.1,"upper_bound":3.3},"point_estimate":3.2,"standard_error":0.05},
///     "median":{"point_estimate":9.0}}"#;
/// assert_eq!(weakref_benches::mean_point_estimate(json), Some(3.2));
/// ```
pub fn mean_point_estimate(json: &str) -> Option<f64> {
    let mean = object_after_key(json, "mean")?;
    number_after_key(mean, "point_estimate")
}

/// The text of the `{ ... }` object that is the value of the first `"key"` in `json`.
fn object_after_key<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let rest = value_after_key(json, key)?;
    if !rest.starts_with('{') {
        return None;
    }
    let mut depth = 0usize;
    for (index, byte) in rest.bytes().enumerate() {
        match byte {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&rest[..=index]);
                }
            }
            _ => {}
        }
    }
    None
}

/// The number that is the value of the first `"key"` in `json`.
fn number_after_key(json: &str, key: &str) -> Option<f64> {
    let rest = value_after_key(json, key)?;
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// The text after `"key":` (and any whitespace), for the first occurrence of `"key"`.
fn value_after_key<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let quoted = format!("\"{key}\"");
    let start = json.find(&quoted)? + quoted.len();
    let rest = json[start..].trim_start().strip_prefix(':')?;
    Some(rest.trim_start())
}

/// The measurements in the output of `cpython_weakref.py`: one `name value` pair per line.
///
/// Blank lines and lines starting with `#` (comments, such as the interpreter's version) are
/// skipped, and so are lines that do not have exactly a name and a number.
///
/// ```
/// let out = "# CPython 3.11.7\ncallback_1_ns 95.5\nweakref_with_callback_bytes 80\n";
/// let values = weakref_benches::parse_measurements(out);
/// assert_eq!(values, [
///     ("callback_1_ns".to_string(), 95.5),
///     ("weakref_with_callback_bytes".to_string(), 80.0),
/// ]);
/// ```
pub fn parse_measurements(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let name = fields.next()?;
            let value = fields.next()?.parse().ok()?;
            fields.next().is_none().then(|| (name.to_string(), value))
        })
        .collect()
}

/// A target for a measured ratio.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Goal {
    /// The ratio must be at most this.
    AtMost(f64),
    /// The ratio must be at least this.
    AtLeast(f64),
    /// The row is for information only.
    None,
}

impl Goal {
    /// Whether `ratio` meets the goal; `None` for a row without goal.
    pub fn met(self, ratio: f64) -> Option<bool> {
        match self {
            Goal::AtMost(limit) => Some(ratio <= limit),
            Goal::AtLeast(limit) => Some(ratio >= limit),
            Goal::None => None,
        }
    }

    /// The verdict printed at the end of a row: `ok`, `MISSED` or `info`.
    pub fn verdict(self, ratio: f64) -> &'static str {
        match self.met(ratio) {
            Some(true) => "ok",
            Some(false) => "MISSED",
            None => "info",
        }
    }
}

impl fmt::Display for Goal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Goal::AtMost(limit) => write!(f, "goal <= {limit:?}x"),
            Goal::AtLeast(limit) => write!(f, "goal >= {limit:?}x"),
            Goal::None => write!(f, "no goal"),
        }
    }
}

/// What a CPython timing script printed: the interpreter's description (its `# ...` line)
/// and its `name value` measurements.
pub type CpythonRun = (String, Vec<(String, f64)>);

/// Runs `script` (a file of this package, e.g. `"cpython_weakref.py"`) with `$PYTHON` or
/// `python3`, passing `--quick` in criterion's test mode, and reads its measurements.
///
/// The error says why there are no numbers (no interpreter, the script failed), for the
/// report to print instead of the CPython rows.
pub fn run_cpython_script(script: &str, quick: bool) -> Result<CpythonRun, String> {
    let python = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let mut command = std::process::Command::new(&python);
    command.arg(&script);
    if quick {
        command.arg("--quick");
    }
    let output = match command.output() {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("{} not found", python.to_string_lossy()));
        }
        Err(err) => return Err(format!("could not run {}: {err}", script.display())),
    };
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let version = stdout
        .lines()
        .find_map(|line| line.strip_prefix('#'))
        .map_or_else(|| "CPython".to_string(), |v| v.trim().to_string());
    Ok((version, parse_measurements(&stdout)))
}

/// The value measured under `name`, if the script printed it.
pub fn lookup(measurements: &[(String, f64)], name: &str) -> Option<f64> {
    measurements
        .iter()
        .find(|(key, _)| key == name)
        .map(|&(_, value)| value)
}

/// What the command line asked criterion for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `cargo bench`: measure, then report.
    Bench,
    /// `cargo bench -- --test`, `cargo test --benches`, profiling: run everything once.
    Test,
    /// `--list`: name the benchmarks only.
    List,
}

impl Mode {
    /// The mode, decided from the arguments as criterion decides it.
    pub fn from_args() -> Self {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let has = |flag: &str| args.iter().any(|arg| arg == flag);
        if has("--list") {
            Mode::List
        } else if has("--bench")
            && !has("--test")
            && !args.iter().any(|arg| arg.starts_with("--profile-time"))
        {
            Mode::Bench
        } else {
            Mode::Test
        }
    }
}

/// Mean times written by this run: estimates older than the run (from an earlier run, or
/// left over when a filter or `--test` skipped a benchmark) are ignored.
pub struct Estimates {
    dir: PathBuf,
    since: std::time::SystemTime,
}

impl Estimates {
    /// The estimates under the workspace's criterion folder, written since `started`.
    pub fn since(started: std::time::SystemTime) -> Self {
        use std::time::{Duration, UNIX_EPOCH};
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the benches package is in the workspace");
        // Whole seconds, in case the file system keeps coarse modification times.
        let secs = started
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self {
            dir: criterion_dir(workspace),
            since: UNIX_EPOCH + Duration::from_secs(secs),
        }
    }

    /// Where the estimates are read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The mean time of `function` in `group`, in nanoseconds.
    pub fn mean_ns(&self, group: &str, function: &str) -> Option<f64> {
        let path = estimates_path(&self.dir, group, function);
        let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
        if modified < self.since {
            return None;
        }
        mean_point_estimate(&std::fs::read_to_string(path).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape criterion 0.5 writes, abbreviated.
    const ESTIMATES: &str = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":3.0512,"upper_bound":3.1024},"point_estimate":3.0781,"standard_error":0.0131},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":3.01,"upper_bound":3.05},"point_estimate":3.02,"standard_error":0.01},"median_abs_dev":{"confidence_interval":{"confidence_level":0.95,"lower_bound":0.01,"upper_bound":0.02},"point_estimate":0.015,"standard_error":0.002},"slope":null,"std_dev":{"confidence_interval":{"confidence_level":0.95,"lower_bound":0.05,"upper_bound":0.12},"point_estimate":0.09,"standard_error":0.02}}"#;

    #[test]
    fn reads_the_mean_not_another_estimate() {
        assert_eq!(mean_point_estimate(ESTIMATES), Some(3.0781));
    }

    #[test]
    fn mean_after_other_keys_and_with_whitespace() {
        let json = "{ \"median\": { \"point_estimate\": 1.0 },\n  \"mean\" : {\n \
                    \"point_estimate\" : 2.5e2 } }";
        assert_eq!(mean_point_estimate(json), Some(250.0));
    }

    #[test]
    fn missing_or_malformed_estimates() {
        assert_eq!(mean_point_estimate(""), None);
        assert_eq!(mean_point_estimate("{\"mean\":null}"), None);
        assert_eq!(
            mean_point_estimate("{\"mean\":{\"point_estimate\":\"x\"}}"),
            None
        );
        assert_eq!(
            mean_point_estimate("{\"mean\":{\"point_estimate\":1.0"),
            None
        );
    }

    #[test]
    fn measurements_skip_noise() {
        let out = "# CPython 3.11.7\n\nobject_ns 41.2\nbad line here\nnot_a_number x\n  \
                   callback_10_ns   512.75  \n";
        assert_eq!(
            parse_measurements(out),
            [
                ("object_ns".to_string(), 41.2),
                ("callback_10_ns".to_string(), 512.75)
            ]
        );
    }

    #[test]
    fn goals() {
        assert_eq!(Goal::AtMost(1.1).verdict(1.05), "ok");
        assert_eq!(Goal::AtMost(1.1).verdict(1.2), "MISSED");
        assert_eq!(Goal::AtLeast(3.0).verdict(3.5), "ok");
        assert_eq!(Goal::AtLeast(3.0).verdict(2.9), "MISSED");
        assert_eq!(Goal::None.verdict(7.0), "info");
        assert_eq!(Goal::AtMost(1.1).to_string(), "goal <= 1.1x");
        assert_eq!(Goal::AtLeast(3.0).to_string(), "goal >= 3.0x");
    }

    #[test]
    fn estimates_live_under_group_and_function() {
        let path = estimates_path(Path::new("/t/criterion"), "upgrade_sync", "weakref");
        assert_eq!(
            path,
            Path::new("/t/criterion/upgrade_sync/weakref/new/estimates.json")
        );
    }
}
