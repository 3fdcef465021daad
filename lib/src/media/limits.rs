//! Input limits enforced before any expensive decoding starts.

/// Bounds an upload must respect; checked from the probe, before encoding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Longest accepted video or music, in seconds.
    pub max_duration_seconds: f64,
    /// Largest accepted photo in pixels (width × height): a decompression-bomb guard.
    pub max_pixels: u64,
}

impl Default for Limits {
    /// 15 minutes and 50 megapixels: more than a phone produces, less than what exhausts a Lambda.
    fn default() -> Self {
        Limits { max_duration_seconds: 900.0, max_pixels: 50_000_000 }
    }
}

impl Limits {
    /// Refuses a duration that is missing, not positive, or over the limit.
    pub(crate) fn check_duration(&self, duration: Option<f64>) -> Result<f64, super::MediaError> {
        match duration {
            Some(d) if d.is_finite() && d > 0.0 => {
                if d > self.max_duration_seconds {
                    Err(super::MediaError::Refused(format!(
                        "longer than {} s ({d:.0} s)",
                        self.max_duration_seconds.round()
                    )))
                } else {
                    Ok(d)
                }
            }
            _ => Err(super::MediaError::Refused("the file has no duration: it is truncated or damaged".into())),
        }
    }
}
