//! The adaptive-bitrate ladder: which renditions a video gets, at which size and bitrate.

/// A rung short side and its H.264 video bitrate in kb/s, after the 16:9 rows of Apple's HLS Authoring
/// Specification table.
const RUNGS: [(u32, u32); 5] = [(1080, 6000), (720, 3000), (480, 1100), (360, 365), (240, 145)];

/// One planned rendition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RungPlan {
    /// Named by the short side of the displayed frame, e.g. `720p`.
    pub name: String,
    /// Encoded width, even.
    pub width: u32,
    /// Encoded height, even.
    pub height: u32,
    /// Target video bitrate in kb/s.
    pub video_kbps: u32,
}

impl RungPlan {
    /// `-maxrate`: 110 % of the target. Apple allows VOD peaks up to 200 % of the average; this
    /// tighter, constrained VBR keeps each rung's measured peak (its `BANDWIDTH`) close to the
    /// rate a player budgets for, at some cost in quality on complex scenes.
    pub fn maxrate_kbps(&self) -> u32 {
        self.video_kbps * 11 / 10
    }

    /// `-bufsize`: two times the target, a VBV of about two seconds.
    pub fn bufsize_kbps(&self) -> u32 {
        self.video_kbps * 2
    }
}

/// The renditions for a source displayed at `width`×`height`, best first. Never upscales: only rungs no
/// taller (on the short side) than the source; a source under 240 lines gets one rung at its own size.
/// Portrait sources work the same way, their short side being the width.
pub fn ladder(width: u32, height: u32) -> Vec<RungPlan> {
    let (short, long) = (width.min(height).max(2), width.max(height).max(2));
    let portrait = height > width;
    let mut plans: Vec<RungPlan> = RUNGS
        .iter()
        .filter(|(rung_short, _)| *rung_short <= short)
        .map(|&(rung_short, kbps)| {
            // Nearest even long side for the aspect ratio, but never past the source's own.
            let scaled = (u64::from(long) * u64::from(rung_short)) as f64 / f64::from(short);
            let rung_long = (even((scaled / 2.0).round() as u32 * 2)).min(even(long)).max(2);
            plan(rung_short, rung_long, portrait, kbps)
        })
        .collect();
    if plans.is_empty() {
        let (_, smallest_kbps) = RUNGS[RUNGS.len() - 1];
        plans.push(plan(even(short).max(2), even(long).max(2), portrait, smallest_kbps));
    }
    plans
}

/// The rung a progressive MP4 is made from: the one closest to 720p, the top one below that.
pub fn progressive_rung(plans: &[RungPlan]) -> Option<&RungPlan> {
    plans.iter().find(|p| p.width.min(p.height) <= 720)
}

fn plan(short: u32, long: u32, portrait: bool, video_kbps: u32) -> RungPlan {
    let (width, height) = if portrait { (short, long) } else { (long, short) };
    RungPlan { name: format!("{short}p"), width, height, video_kbps }
}

fn even(n: u32) -> u32 {
    n & !1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_and_sizes(plans: &[RungPlan]) -> Vec<(String, u32, u32)> {
        plans.iter().map(|p| (p.name.clone(), p.width, p.height)).collect()
    }

    fn owned(list: &[(&str, u32, u32)]) -> Vec<(String, u32, u32)> {
        list.iter().map(|(n, w, h)| (n.to_string(), *w, *h)).collect()
    }

    #[test]
    fn full_hd_gets_the_whole_ladder() {
        let plans = ladder(1920, 1080);
        assert_eq!(
            names_and_sizes(&plans),
            owned(&[
                ("1080p", 1920, 1080),
                ("720p", 1280, 720),
                ("480p", 854, 480),
                ("360p", 640, 360),
                ("240p", 426, 240)
            ])
        );
        assert_eq!(plans.iter().map(|p| p.video_kbps).collect::<Vec<_>>(), [6000, 3000, 1100, 365, 145]);
        assert_eq!((plans[1].maxrate_kbps(), plans[1].bufsize_kbps()), (3300, 6000));
    }

    #[test]
    fn small_sources_are_never_upscaled() {
        assert_eq!(names_and_sizes(&ladder(640, 360)), owned(&[("360p", 640, 360), ("240p", 426, 240)]));
        assert_eq!(names_and_sizes(&ladder(320, 240)), owned(&[("240p", 320, 240)]));
        // 427 would round up to 428: clamp to the source's own width.
        assert_eq!(names_and_sizes(&ladder(427, 240)), owned(&[("240p", 426, 240)]));
    }

    #[test]
    fn portrait_sources_are_named_by_their_width() {
        assert_eq!(
            names_and_sizes(&ladder(1080, 1920)),
            owned(&[
                ("1080p", 1080, 1920),
                ("720p", 720, 1280),
                ("480p", 480, 854),
                ("360p", 360, 640),
                ("240p", 240, 426)
            ])
        );
        assert_eq!(names_and_sizes(&ladder(180, 320)), owned(&[("180p", 180, 320)]));
    }

    #[test]
    fn a_tiny_source_gets_one_even_rung_at_its_own_size() {
        let plans = ladder(201, 113);
        assert_eq!(names_and_sizes(&plans), owned(&[("112p", 200, 112)]));
        assert_eq!(plans[0].video_kbps, 145);
    }

    #[test]
    fn the_progressive_mp4_is_720p_or_the_best_below() {
        assert_eq!(progressive_rung(&ladder(1920, 1080)).unwrap().name, "720p");
        assert_eq!(progressive_rung(&ladder(640, 360)).unwrap().name, "360p");
        assert_eq!(progressive_rung(&ladder(1080, 1920)).unwrap().name, "720p");
    }
}
