//! `pipeline.toml` validation: any text gives a pipeline or a list of located problems, never a
//! panic; every problem's span lies inside the text and the rendering works.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A root that does not exist: file inputs are reported missing, nothing is read.
    let root = std::path::Path::new("/nonexistent-wecare-fuzz-root");
    match wecare::config::parse(root, text) {
        Ok(pipeline) => {
            let order = pipeline.dag.topo_order();
            assert_eq!(order.len(), pipeline.stages.len());
            assert!(pipeline.dag.cycles().is_empty());
        }
        Err(err) => {
            assert!(!err.problems.is_empty());
            for p in &err.problems {
                if let Some(span) = &p.span {
                    assert!(span.start <= span.end && span.end <= text.len(), "{span:?}");
                }
            }
            let _ = wecare::error::Error::Load(wecare::config::LoadError::Invalid(err)).render();
        }
    }
});
