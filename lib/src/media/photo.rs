//! Photos: each requested size as WebP and JPEG, upright, never upscaled, with every byte of metadata
//! (EXIF, GPS, XMP, ICC, comments) left behind.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::probe::first_frame_rotation;
use super::{Limits, MediaError, Probe, Tools, absolute, create_dir, probe, relative};

/// WebP quality (0–100): visually clean for photos at a third of JPEG's size.
const WEBP_QUALITY: &str = "80";
/// JPEG quantiser (2 best – 31 worst) for `-q:v`.
const JPEG_QSCALE: &str = "4";

/// One requested output size: a box to fit in, or to cover and centre-crop to when `crop`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoSize {
    /// File stem, e.g. `thumb` → `thumb.webp`, `thumb.jpg`.
    pub name: &'static str,
    /// Box width.
    pub width: u32,
    /// Box height.
    pub height: u32,
    /// Fill the box exactly (centre crop) instead of fitting inside it.
    pub crop: bool,
}

/// Sizes of photos shared as media: fit inside the box.
pub const MEDIA_SIZES: &[PhotoSize] = &[
    PhotoSize { name: "thumb", width: 320, height: 320, crop: false },
    PhotoSize { name: "medium", width: 1280, height: 1280, crop: false },
    PhotoSize { name: "large", width: 2560, height: 2560, crop: false },
];

/// Sizes of avatars: square crops.
pub const AVATAR_SIZES: &[PhotoSize] = &[
    PhotoSize { name: "thumb", width: 64, height: 64, crop: true },
    PhotoSize { name: "medium", width: 256, height: 256, crop: true },
    PhotoSize { name: "large", width: 512, height: 512, crop: true },
];

/// Sizes of profile banners: 4:1 crops.
pub const BANNER_SIZES: &[PhotoSize] = &[
    PhotoSize { name: "thumb", width: 640, height: 160, crop: true },
    PhotoSize { name: "medium", width: 1280, height: 320, crop: true },
    PhotoSize { name: "large", width: 2560, height: 640, crop: true },
];

/// What a processed photo consists of; every path is relative to the output directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoOutput {
    /// Width of the source once upright.
    pub width: u32,
    /// Height of the source once upright.
    pub height: u32,
    /// One entry per requested size, in the order requested.
    pub files: Vec<PhotoFile>,
}

/// One size of a processed photo, in both formats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoFile {
    /// The size's name, e.g. `thumb`.
    pub name: String,
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// The WebP file, e.g. `thumb.webp`.
    pub webp: String,
    /// The JPEG file, e.g. `thumb.jpg`.
    pub jpeg: String,
}

/// How one size is cut from the upright source: scale to `scaled`, then centre-crop to `output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Size after scaling.
    pub scaled: (u32, u32),
    /// Size after cropping: the file's size.
    pub output: (u32, u32),
}

/// Where `size` lands for an upright source of `width`×`height`. Nothing is ever upscaled: a fit
/// keeps the source when it is already inside the box; a crop too big for the source shrinks the box
/// (keeping its shape) to the largest the source can fill.
pub fn geometry(width: u32, height: u32, size: &PhotoSize) -> Geometry {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let (bw, bh) = (f64::from(size.width.max(1)), f64::from(size.height.max(1)));
    let px = |v: f64, max: u32| (v.round() as u32).clamp(1, max.max(1));
    if !size.crop {
        let s = (bw / w).min(bh / h).min(1.0);
        let output = (px(w * s, width), px(h * s, height));
        return Geometry { scaled: output, output };
    }
    let g = (w / bw).min(h / bh).min(1.0);
    let output = (px(bw * g, width), px(bh * g, height));
    let s = (f64::from(output.0) / w).max(f64::from(output.1) / h).min(1.0);
    let scaled = (px(w * s, width).max(output.0), px(h * s, height).max(output.1));
    Geometry { scaled, output }
}

/// Writes `{name}.webp` and `{name}.jpg` into `out` for every size. Refuses what is not a still
/// picture (animated GIFs give their first frame) and pictures over `limits.max_pixels`, before decoding.
pub async fn process(
    tools: &Tools,
    input: &Path,
    out: &Path,
    sizes: &[PhotoSize],
    limits: &Limits,
) -> Result<PhotoOutput, MediaError> {
    let (input, out) = (absolute(input)?, absolute(out)?);
    let probed = probe(tools, &input).await?;
    let picture = still_picture(&probed)?;
    let pixels = u64::from(picture.width) * u64::from(picture.height);
    if pixels > limits.max_pixels {
        return Err(MediaError::Refused(format!(
            "image too large: {}×{} is over {} megapixels",
            picture.width,
            picture.height,
            limits.max_pixels / 1_000_000
        )));
    }
    let rotation = match picture.rotation {
        0 => first_frame_rotation(tools, &input).await?,
        r => r,
    };
    let (width, height) =
        if rotation % 180 == 90 { (picture.height, picture.width) } else { (picture.width, picture.height) };
    create_dir(&out).await?;
    if sizes.is_empty() {
        return Ok(PhotoOutput { width, height, files: Vec::new() });
    }

    let geometries: Vec<Geometry> = sizes.iter().map(|s| geometry(width, height, s)).collect();
    // trim bounds animated inputs to their first frame; ffmpeg has already turned the frame upright.
    let mut graph = format!("[0:{}]trim=end_frame=1,split={}", picture.index, sizes.len());
    graph.extend((0..sizes.len()).map(|i| format!("[i{i}]")));
    for (i, g) in geometries.iter().enumerate() {
        graph.push_str(&format!(
            ";[i{i}]scale={}:{}:flags=lanczos,crop={}:{},setsar=1,split=2[w{i}][jp{i}];[jp{i}]format=yuvj420p[j{i}]",
            g.scaled.0, g.scaled.1, g.output.0, g.output.1
        ));
    }
    let mut cmd = tools.ffmpeg();
    cmd.current_dir(&out).arg("-i").arg(&input).args(["-filter_complex", &graph]);
    let strip = ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact"];
    let mut files = Vec::with_capacity(sizes.len());
    for (i, (size, g)) in sizes.iter().zip(&geometries).enumerate() {
        let (webp, jpeg) = (format!("{}.webp", size.name), format!("{}.jpg", size.name));
        cmd.args(["-map", &format!("[w{i}]"), "-frames:v", "1", "-c:v", "libwebp", "-quality", WEBP_QUALITY]);
        cmd.args(strip).arg(&webp);
        cmd.args(["-map", &format!("[j{i}]"), "-frames:v", "1", "-c:v", "mjpeg", "-q:v", JPEG_QSCALE]);
        cmd.args(strip).args(["-update", "1"]).arg(&jpeg);
        files.push(PhotoFile {
            name: size.name.to_owned(),
            width: g.output.0,
            height: g.output.1,
            webp: relative(&out, &out.join(&webp)),
            jpeg: relative(&out, &out.join(&jpeg)),
        });
    }
    tools.run_ffmpeg(cmd).await?;
    Ok(PhotoOutput { width, height, files })
}

/// The picture stream of a still image; videos, sound and unreadable files are refused.
fn still_picture(probed: &Probe) -> Result<&super::VideoStream, MediaError> {
    let Some(picture) = probed.video.as_ref() else {
        // An image whose size ffprobe would not decode (over its pixel cap) has no picture.
        if is_image_format(&probed.format_name) {
            return Err(MediaError::Refused("image too large or damaged: its size cannot be read".into()));
        }
        return Err(MediaError::Refused(format!("not a photo: no picture in {}", probed.format_name)));
    };
    let format = probed.format_name.as_str();
    let image_format = format == "image2" || format.ends_with("_pipe") || matches!(format, "gif" | "apng" | "webp");
    let single_frame = picture.frames.is_some_and(|n| n <= 1) && probed.audio.is_none();
    if image_format || single_frame {
        Ok(picture)
    } else {
        Err(MediaError::Refused("not a photo: it is a video or a sound file".into()))
    }
}

/// Demuxers of single still images (`image2` for files named like images, `*_pipe` for sniffed ones).
pub(crate) fn is_image_format(format_name: &str) -> bool {
    format_name == "image2" || format_name.ends_with("_pipe")
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    fn size(width: u32, height: u32, crop: bool) -> PhotoSize {
        PhotoSize { name: "x", width, height, crop }
    }

    #[test]
    fn fitting_shrinks_into_the_box_and_never_grows() {
        assert_eq!(geometry(4000, 3000, &size(1280, 1280, false)).output, (1280, 960));
        assert_eq!(geometry(3000, 4000, &size(320, 320, false)).output, (240, 320));
        assert_eq!(geometry(300, 400, &size(1280, 1280, false)).output, (300, 400));
    }

    #[test]
    fn cropping_covers_then_cuts_the_centre() {
        let g = geometry(4000, 3000, &size(256, 256, true));
        assert_eq!((g.scaled, g.output), ((341, 256), (256, 256)));
        let banner = geometry(4000, 3000, &size(1280, 320, true));
        assert_eq!((banner.scaled, banner.output), ((1280, 960), (1280, 320)));
    }

    #[test]
    fn a_crop_too_big_for_the_source_keeps_its_shape_at_source_scale() {
        let avatar = geometry(300, 400, &size(512, 512, true));
        assert_eq!((avatar.scaled, avatar.output), ((300, 400), (300, 300)));
        let banner = geometry(1000, 500, &size(2560, 640, true));
        assert_eq!((banner.scaled, banner.output), ((1000, 500), (1000, 250)));
    }
}
