//! The pipeline as one call: config layers in, the checked objects of the stack out.
//!
//! Every front end (the `render`, `diff` and exec-plugin paths of the binary, the KRM
//! function, the benchmark) goes through [`run`], so they cannot drift apart in what they
//! check or in the order they check it. The stages, in order:
//!
//! 1. load: merge the layers, check their structure, read the typed model, run every
//!    validation rule (`config::load`); a refused config ends here with its diagnostics;
//! 2. the warnings policy: under [`Options::strict`] a config with warnings ends here too;
//! 3. render and check each object (`render::render`);
//! 4. the checks of the stream as a whole, which need every object at once (none yet; the
//!    wiring check belongs beside the render, in `checked_objects`).
//!
//! [`validate`] stops after stage 2, for front ends that must not render (`stackgen validate`).

use std::fmt;

use crate::config::{self, Inputs, MonitoringStack, Rejected};
use crate::diagnostic::Diagnostic;
use crate::render::{self, Object, RenderError};
use crate::source::Sources;

/// How a run treats what the caller may refuse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Refuse a config with warnings (`--strict`), as if they were errors.
    pub strict: bool,
}

/// A config that passed every rule (and, under `strict`, has no warnings).
#[derive(Debug, Clone)]
pub struct Valid {
    pub config: MonitoringStack,
    /// Findings that did not stop the run, for the caller to show.
    pub warnings: Vec<Diagnostic>,
    /// The texts of the inputs, to quote in the warnings.
    pub sources: Sources,
}

/// The stack of a valid config: every object rendered and checked, in install order.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub config: MonitoringStack,
    pub objects: Vec<Object>,
    pub warnings: Vec<Diagnostic>,
    pub sources: Sources,
}

/// Why a run produced no objects.
#[derive(Debug)]
pub enum Failure {
    /// The config is invalid: every diagnostic of the run, errors and warnings alike.
    Invalid {
        diagnostics: Vec<Diagnostic>,
        sources: Sources,
    },
    /// The config is valid, but has warnings and the run was [`Options::strict`].
    Strict {
        warnings: Vec<Diagnostic>,
        sources: Sources,
    },
    /// A stage after validation failed: a bug in stackgen, never in the config. The
    /// config's warnings come along, as they were found before the stage failed.
    Internal {
        error: Internal,
        warnings: Vec<Diagnostic>,
        sources: Sources,
    },
}

impl Failure {
    /// What the run found in the config, to show with [`crate::diagnostic::render_all`].
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Failure::Invalid { diagnostics, .. } => diagnostics,
            Failure::Strict { warnings, .. } | Failure::Internal { warnings, .. } => warnings,
        }
    }

    /// The texts of the inputs, to quote in the diagnostics.
    pub fn sources(&self) -> &Sources {
        match self {
            Failure::Invalid { sources, .. }
            | Failure::Strict { sources, .. }
            | Failure::Internal { sources, .. } => sources,
        }
    }
}

impl From<Rejected> for Failure {
    fn from(rejected: Rejected) -> Self {
        Failure::Invalid {
            diagnostics: rejected.diagnostics,
            sources: rejected.sources,
        }
    }
}

/// The stage after validation that failed, with its own error. Each stage that checks the
/// stream (such as a wiring check) adds its variant here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Internal {
    /// A template produced something other than a valid object.
    Render(RenderError),
}

impl fmt::Display for Internal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Internal::Render(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Internal {}

impl From<RenderError> for Internal {
    fn from(e: RenderError) -> Self {
        Internal::Render(e)
    }
}

/// Loads and validates the config without rendering it.
pub fn validate(inputs: &Inputs, options: Options) -> Result<Valid, Failure> {
    let loaded = config::load(inputs)?;
    if options.strict && loaded.warnings.iter().any(Diagnostic::is_warning) {
        return Err(Failure::Strict {
            warnings: loaded.warnings,
            sources: loaded.sources,
        });
    }
    Ok(Valid {
        config: loaded.config,
        warnings: loaded.warnings,
        sources: loaded.sources,
    })
}

/// The whole pipeline: loads and validates the config, renders it and checks the objects.
pub fn run(inputs: &Inputs, options: Options) -> Result<Rendered, Failure> {
    validate(inputs, options)?.render()
}

impl Valid {
    /// Renders the config and checks the objects: the stages after validation.
    pub fn render(self) -> Result<Rendered, Failure> {
        match checked_objects(&self.config) {
            Ok(objects) => Ok(Rendered {
                config: self.config,
                objects,
                warnings: self.warnings,
                sources: self.sources,
            }),
            Err(error) => Err(Failure::Internal {
                error,
                warnings: self.warnings,
                sources: self.sources,
            }),
        }
    }
}

/// Every object rendered and checked on its own, then the stream checked as a whole: a
/// check that needs every object (the wiring check: every address dialled resolves to a
/// rendered Service and port) runs here, after `render::render`, with its own `Internal`
/// variant.
fn checked_objects(config: &MonitoringStack) -> Result<Vec<Object>, Internal> {
    let objects = render::render(config)?;
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Document;

    fn config(text: &str) -> Inputs {
        Inputs {
            documents: vec![Document {
                name: "cfg.yaml".to_owned(),
                text: text.to_owned(),
            }],
            ..Inputs::default()
        }
    }

    #[test]
    fn the_defaults_render_with_their_warnings() {
        let rendered = run(&Inputs::default(), Options::default()).unwrap();
        assert_eq!(rendered.objects[0].kind(), "Namespace");
        assert!(
            !rendered.warnings.is_empty(),
            "the defaults expose UIs without auth"
        );
    }

    #[test]
    fn an_invalid_config_fails_with_its_diagnostics_and_sources() {
        let inputs = config("spec:\n  thanos:\n    compact:\n      replicas: 2\n");
        let Err(failure @ Failure::Invalid { .. }) = run(&inputs, Options::default()) else {
            panic!("a second compactor must be refused");
        };
        let rendered = crate::diagnostic::render_all(failure.diagnostics(), failure.sources());
        assert!(rendered.contains("--> cfg.yaml:4:17"), "{rendered}");
    }

    #[test]
    fn strict_refuses_warnings_before_rendering() {
        let inputs = Inputs {
            sets: vec!["prometheus.replicas=1".to_owned()],
            ..Inputs::default()
        };
        let failure = run(&inputs, Options { strict: true }).unwrap_err();
        assert!(matches!(failure, Failure::Strict { .. }), "{failure:?}");
        assert!(!failure.diagnostics().is_empty());
    }

    #[test]
    fn validate_stops_before_rendering_with_the_same_warnings() {
        let valid = validate(&Inputs::default(), Options::default()).unwrap();
        let warnings = valid.warnings.clone();
        assert_eq!(valid.render().unwrap().warnings, warnings);
    }
}
