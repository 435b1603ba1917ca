//! [`MigrationReport`]: which legacy methods an app has called, how often, and what replaces
//! each of them on RTM. Built at run time by
//! [`Signaling::migration_report`](crate::signaling::Signaling::migration_report).

use super::replacement::{method_replacement, method_rust_replacement};
use crate::mapping::{LegacyMethod, MethodKind};
use std::fmt;

/// One legacy method an app has called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodUsage {
    /// The method.
    pub method: LegacyMethod,
    /// How many times it was called.
    pub calls: u64,
}

impl MethodUsage {
    /// The exact legacy name, e.g. `"messageInstantSend"`.
    pub fn legacy_name(&self) -> &'static str {
        self.method.legacy_name()
    }

    /// How the shim carries it out.
    pub fn kind(&self) -> MethodKind {
        self.method.row().kind
    }

    /// The RTM operations that replace it (empty for local and unsupported methods).
    pub fn rtm(&self) -> &'static [&'static str] {
        self.method.row().rtm
    }

    /// The RTM replacement in one line, e.g. `"createMessage + sendMessageToPeer"`.
    pub fn replacement(&self) -> String {
        method_replacement(self.method.row())
    }

    /// The [`crate::rtm`] items that replace it, e.g.
    /// `"RtmMessage::from_text, RtmClient::send_message_to_peer"`.
    pub fn rust_replacement(&self) -> String {
        method_rust_replacement(self.method.row())
    }
}

/// The legacy methods an app has called, in table order, each with its count, kind and RTM
/// replacement. `Display` prints it as a table followed by totals per kind.
///
/// ```
/// use sig2rtm::mapping::{LegacyMethod, MethodKind};
/// use sig2rtm::migration::MigrationReport;
///
/// let report = MigrationReport::from_counts(|m| match m {
///     LegacyMethod::MessageInstantSend => 3,
///     LegacyMethod::GetStatus => 1,
///     _ => 0,
/// });
/// assert_eq!(report.methods().len(), 2);
/// assert_eq!(report.calls_of(LegacyMethod::MessageInstantSend), 3);
/// assert_eq!(report.total_calls(), 4);
/// assert_eq!(report.calls_by_kind(MethodKind::Direct), 3);
/// let table = report.to_string();
/// assert!(table.contains("messageInstantSend"));
/// assert!(table.contains("createMessage + sendMessageToPeer"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    methods: Vec<MethodUsage>,
}

impl MigrationReport {
    /// A report from a call counter: every method with a non-zero count, in table order.
    pub fn from_counts(mut calls_of: impl FnMut(LegacyMethod) -> u64) -> Self {
        let methods = LegacyMethod::ALL
            .iter()
            .map(|&method| MethodUsage {
                method,
                calls: calls_of(method),
            })
            .filter(|u| u.calls > 0)
            .collect();
        MigrationReport { methods }
    }

    /// The methods called at least once, in table order.
    pub fn methods(&self) -> &[MethodUsage] {
        &self.methods
    }

    /// The entry of `method`, if it was called.
    pub fn get(&self, method: LegacyMethod) -> Option<&MethodUsage> {
        self.methods.iter().find(|u| u.method == method)
    }

    /// How many times `method` was called (0 when never).
    pub fn calls_of(&self, method: LegacyMethod) -> u64 {
        self.get(method).map_or(0, |u| u.calls)
    }

    /// True when no legacy method was called.
    pub fn is_empty(&self) -> bool {
        self.methods.is_empty()
    }

    /// Calls of every legacy method together.
    pub fn total_calls(&self) -> u64 {
        self.methods.iter().map(|u| u.calls).sum()
    }

    /// Calls of the methods of one kind together.
    pub fn calls_by_kind(&self, kind: MethodKind) -> u64 {
        self.methods
            .iter()
            .filter(|u| u.kind() == kind)
            .map(|u| u.calls)
            .sum()
    }

    /// How many distinct methods of one kind were called.
    pub fn methods_by_kind(&self, kind: MethodKind) -> usize {
        self.methods.iter().filter(|u| u.kind() == kind).count()
    }
}

const KINDS: [MethodKind; 4] = [
    MethodKind::Direct,
    MethodKind::Emulated,
    MethodKind::Local,
    MethodKind::Unsupported,
];

impl fmt::Display for MigrationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.methods.is_empty() {
            return writeln!(f, "no legacy Signaling method was called");
        }
        let rows: Vec<[String; 4]> = self
            .methods
            .iter()
            .map(|u| {
                [
                    u.legacy_name().to_string(),
                    u.calls.to_string(),
                    u.kind().to_string(),
                    u.replacement(),
                ]
            })
            .collect();
        let header = ["legacy method", "calls", "kind", "RTM replacement"];
        let mut width = header.map(str::len);
        for row in &rows {
            for (w, cell) in width.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, cells: [&str; 4]| {
            writeln!(
                f,
                "{:<w0$}  {:>w1$}  {:<w2$}  {}",
                cells[0],
                cells[1],
                cells[2],
                cells[3],
                w0 = width[0],
                w1 = width[1],
                w2 = width[2],
            )
        };
        line(f, header)?;
        let rule = width.map(|w| "-".repeat(w));
        line(f, [&rule[0], &rule[1], &rule[2], &rule[3]])?;
        for row in &rows {
            line(f, [&row[0], &row[1], &row[2], &row[3]])?;
        }
        let totals: Vec<String> = KINDS
            .iter()
            .filter(|k| self.methods_by_kind(**k) > 0)
            .map(|&k| {
                format!(
                    "{k} {} ({} call{})",
                    self.methods_by_kind(k),
                    self.calls_by_kind(k),
                    if self.calls_by_kind(k) == 1 { "" } else { "s" }
                )
            })
            .collect();
        writeln!(
            f,
            "{} legacy methods, {} calls: {}",
            self.methods.len(),
            self.total_calls(),
            totals.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_report_says_so() {
        let report = MigrationReport::from_counts(|_| 0);
        assert!(report.is_empty());
        assert_eq!(
            report.to_string(),
            "no legacy Signaling method was called\n"
        );
    }

    #[test]
    fn table_lists_methods_in_table_order_with_totals_per_kind() {
        let report = MigrationReport::from_counts(|m| match m {
            LegacyMethod::Login2 => 1,
            LegacyMethod::ChannelJoin => 2,
            LegacyMethod::Ping => 5,
            LegacyMethod::SetBackground => 1,
            _ => 0,
        });
        let text = report.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 7, "{text}");
        assert!(lines[0].starts_with("legacy method"));
        assert!(
            lines[2].starts_with("login2 ") && lines[2].ends_with("  login"),
            "{text}"
        );
        assert!(lines[3].starts_with("channelJoin "));
        assert!(lines[4].starts_with("setBackground "));
        assert!(lines[5].starts_with("ping "));
        assert!(lines[5].contains("none: answered locally"));
        assert_eq!(
            lines[6],
            "4 legacy methods, 9 calls: direct 1 (1 call), emulated 1 (2 calls), \
             local 1 (5 calls), unsupported 1 (1 call)"
        );
    }
}
