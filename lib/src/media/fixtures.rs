//! Test fixtures other crates' tests need too (the runner's end-to-end tests): a phone-like
//! EXIF block. Compiled for tests and with the `fixtures` feature only.

/// ffmpeg arguments (everything before the output path) that make an H.264 test clip of
/// `size` (`WxH`, 25 fps) lasting `seconds`, with a 440 Hz AAC tone when `sound`.
pub fn clip_args(size: &str, seconds: u32, sound: bool) -> Vec<String> {
    let mut args =
        vec!["-f".into(), "lavfi".into(), "-i".into(), format!("testsrc2=size={size}:rate=25:duration={seconds}")];
    if sound {
        args.extend(["-f".into(), "lavfi".into(), "-i".into(), format!("sine=frequency=440:duration={seconds}")]);
    }
    args.extend(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"].map(String::from));
    if sound {
        args.extend(["-c:a", "aac", "-shortest"].map(String::from));
    }
    args
}

/// `jpeg` with an Exif segment right after SOI (see [`exif_segment`]).
pub fn with_phone_exif(jpeg: &[u8]) -> Vec<u8> {
    [&jpeg[..2], &exif_segment(), &jpeg[2..]].concat()
}

/// An APP1 Exif segment: big-endian TIFF, IFD0 with Orientation=6 and a GPS IFD pointer, a GPS IFD
/// with GPSLatitudeRef "N" and GPSLatitude 48° 51' 29.6".
pub fn exif_segment() -> Vec<u8> {
    fn entry(tag: u16, kind: u16, count: u32, value: [u8; 4]) -> Vec<u8> {
        [&tag.to_be_bytes()[..], &kind.to_be_bytes(), &count.to_be_bytes(), &value].concat()
    }
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const ASCII: u16 = 2;
    const RATIONAL: u16 = 5;
    let ifd_len = 2 + 2 * 12 + 4;
    let gps_offset: u32 = 8 + ifd_len;
    let rationals_offset: u32 = gps_offset + ifd_len;
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend(2u16.to_be_bytes());
    tiff.extend(entry(0x0112, SHORT, 1, [0, 6, 0, 0]));
    tiff.extend(entry(0x8825, LONG, 1, gps_offset.to_be_bytes()));
    tiff.extend(0u32.to_be_bytes());
    tiff.extend(2u16.to_be_bytes());
    tiff.extend(entry(0x0001, ASCII, 2, *b"N\0\0\0"));
    tiff.extend(entry(0x0002, RATIONAL, 3, rationals_offset.to_be_bytes()));
    tiff.extend(0u32.to_be_bytes());
    for (num, den) in [(48u32, 1u32), (51, 1), (2960, 100)] {
        tiff.extend(num.to_be_bytes());
        tiff.extend(den.to_be_bytes());
    }
    let body = [&b"Exif\0\0"[..], &tiff].concat();
    let length = u16::try_from(body.len() + 2).unwrap_or(u16::MAX);
    [&[0xff, 0xe1][..], &length.to_be_bytes(), &body].concat()
}
