//! The core codec part of the benchmark: `cargo bench -p steps-core --bench
//! codec`, steps-core against a hand-written baseline, one case per
//! operation; criterion's medians and the allocation counts.

use crate::shell::{cargo, target_dir};

/// One operation of the core codec benchmark: build its request and parse a
/// typical response.
pub(crate) struct CodecCase {
    /// The operation's dotted name (`job_token.create`).
    pub(crate) op: String,
    /// Criterion's median for steps-core, in ns.
    pub(crate) steps_ns: f64,
    /// Criterion's median for the hand-written baseline, in ns.
    pub(crate) baseline_ns: f64,
    /// The 95% confidence interval of steps-core's median, ns.
    pub(crate) steps_interval: (f64, f64),
    /// The same for the baseline.
    pub(crate) baseline_interval: (f64, f64),
    /// Allocations per call, steps-core.
    pub(crate) steps_allocs: f64,
    /// Allocations per call, baseline.
    pub(crate) baseline_allocs: f64,
}

impl CodecCase {
    /// steps-core's time over the baseline's.
    pub(crate) fn ratio(&self) -> f64 {
        self.steps_ns / self.baseline_ns
    }

    /// How far the ratio may move within both medians' 95% confidence
    /// intervals: its highest value less its lowest. Over 0.1, a second
    /// run may well move the ratio by more than 0.1, and the goal line
    /// says `[noisy]`.
    pub(crate) fn ratio_play(&self) -> f64 {
        let (steps_low, steps_high) = self.steps_interval;
        let (baseline_low, baseline_high) = self.baseline_interval;
        steps_high / baseline_low - steps_low / baseline_high
    }
}

/// `cargo bench -p steps-core --bench codec`, then its criterion medians and
/// the allocation counts it writes to `target/criterion/allocs.txt`.
pub(crate) fn measure(criterion_args: &[&str]) -> Result<Vec<CodecCase>, String> {
    let mut args = vec!["bench", "--locked", "-p", "steps-core", "--bench", "codec", "--"];
    args.extend(criterion_args);
    cargo(&args)?;
    let allocs =
        std::fs::read_to_string(target_dir().join("criterion/allocs.txt")).map_err(|e| e.to_string())?;
    let mut cases = Vec::new();
    for line in allocs.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [op, steps_allocs, baseline_allocs] = parts[..] else {
            continue;
        };
        let count = |text: &str| {
            text.parse::<f64>()
                .map_err(|_| format!("bad allocation count {text:?} in allocs.txt"))
        };
        let group = op.replace('.', "_");
        let steps = criterion_median(&group, "steps")?;
        let baseline = criterion_median(&group, "baseline")?;
        cases.push(CodecCase {
            op: op.to_owned(),
            steps_ns: steps.point,
            baseline_ns: baseline.point,
            steps_interval: steps.interval,
            baseline_interval: baseline.interval,
            steps_allocs: count(steps_allocs)?,
            baseline_allocs: count(baseline_allocs)?,
        });
    }
    Ok(cases)
}

/// Criterion's median estimate for one function: the point and its 95%
/// confidence interval, in ns.
struct Median {
    point: f64,
    interval: (f64, f64),
}

/// Criterion's median estimate for `group/function`.
fn criterion_median(group: &str, function: &str) -> Result<Median, String> {
    let path = target_dir()
        .join("criterion")
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let at = text.find("\"median\"").ok_or("no median in estimates")?;
    let median = &text[at..];
    let number = |name: &str| -> Result<f64, String> {
        let key = format!("\"{name}\":");
        let at = median
            .find(&key)
            .ok_or_else(|| format!("no {name} in {}", path.display()))?
            + key.len();
        let digits: String = median[at..]
            .chars()
            .skip_while(|c| c.is_whitespace())
            .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
            .collect();
        digits
            .parse()
            .map_err(|_| format!("bad {name} in {}", path.display()))
    };
    Ok(Median {
        point: number("point_estimate")?,
        interval: (number("lower_bound")?, number("upper_bound")?),
    })
}
