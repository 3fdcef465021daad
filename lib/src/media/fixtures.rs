//! Test fixtures other crates' tests need too (the runner's end-to-end tests): a phone-like
//! EXIF block, a decompression-bomb PNG. Compiled for tests and with the `fixtures` feature only.

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

/// A PNG of a few dozen bytes whose header claims `side`×`side` RGB pixels: the shape of a
/// decompression bomb, with only a sliver of (compressed) image data behind it.
pub fn png_claiming(side: u32) -> Vec<u8> {
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let crc = crc32(&[kind.as_slice(), data].concat());
        [&(data.len() as u32).to_be_bytes()[..], kind, data, &crc.to_be_bytes()].concat()
    }
    // 8-bit RGB, deflate, no filter method, no interlace.
    let ihdr = [&side.to_be_bytes()[..], &side.to_be_bytes(), &[8, 2, 0, 0, 0]].concat();
    // zlib: one stored block of 16 zero bytes (filter type 0, then black), then its Adler-32.
    let idat = [&[0x78, 0x01, 0x01, 16, 0, !16u8, 0xff][..], &[0; 16], &(16u32 << 16 | 1).to_be_bytes()].concat();
    [&b"\x89PNG\r\n\x1a\n"[..], &chunk(b"IHDR", &ihdr), &chunk(b"IDAT", &idat), &chunk(b"IEND", &[])].concat()
}

/// CRC-32 (IEEE), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
