//! Problems found in a file, with where they are.

use std::fmt;
use std::ops::Range;

use crate::text::LineIndex;

/// How bad a problem is. Errors make a file invalid; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one file. `line` and `column` are 1-based; both are 0 when
/// the problem concerns the file as a whole (e.g. a missing signature).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
    /// A problem about the file as a whole.
    pub fn file_error(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            line: 0,
            column: 0,
            severity: Severity::Error,
            message: message.into(),
        }
    }
}

impl Diagnostic {
    /// A warning about the file as a whole.
    pub fn file_warning(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::file_error(file, message)
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line == 0 {
            write!(f, "{}: {sev}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {sev}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

/// Collects every problem of one file, resolving byte spans to line:column.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    file: String,
    /// The file's text, for [`Self::lines`].
    text: Box<str>,
    /// Where its lines start, found when a problem first needs a line
    /// number: a file that has none (nearly every file a client reads)
    /// never pays for it (it was a twentieth of a plugin file's read).
    lines: std::sync::OnceLock<LineIndex>,
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new(file: impl Into<String>, text: &str) -> Self {
        Diagnostics {
            file: file.into(),
            text: text.into(),
            lines: std::sync::OnceLock::new(),
            items: Vec::new(),
        }
    }

    fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// 1-based (line, column) of byte `offset` of the file.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines().line_col(offset)
    }

    /// Records an error at the start of `span` (or the whole file if `None`).
    pub fn error(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        self.push(span, Severity::Error, message.into());
    }

    pub fn warning(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        self.push(span, Severity::Warning, message.into());
    }

    fn push(&mut self, span: Option<Range<usize>>, severity: Severity, message: String) {
        let (line, column) = span.map_or((0, 0), |s| self.lines().line_col(s.start));
        self.items.push(Diagnostic {
            file: self.file.clone(),
            line,
            column,
            severity,
            message,
        });
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Records a TOML syntax or type error (which stops parsing).
    pub fn toml_error(&mut self, err: &toml::de::Error) {
        self.error(err.span(), err.message().trim().to_string());
    }
}
