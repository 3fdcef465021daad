//! Packs the Swagger UI for `GET /docs` (`api::docs`): from the `utoipa-swagger-ui-vendored`
//! archive (nothing is downloaded) only the files its page loads, gzip-compressed, plus our own
//! initializer. The whole `dist/` with source maps was 11 MB of every `docs` binary; these are
//! about 0.5 MB.

use std::env;
use std::fmt::Write as _;
use std::io::{Cursor, Read, Write};
use std::path::PathBuf;

/// The files `index.html` loads, with their content types.
const FILES: &[(&str, &str)] = &[
    ("index.html", "text/html; charset=utf-8"),
    ("index.css", "text/css; charset=utf-8"),
    ("swagger-ui.css", "text/css; charset=utf-8"),
    ("swagger-ui-bundle.js", "application/javascript; charset=utf-8"),
    ("swagger-ui-standalone-preset.js", "application/javascript; charset=utf-8"),
    ("favicon-32x32.png", "image/png"),
    ("favicon-16x16.png", "image/png"),
];

const INITIALIZER: &str = "src/api/swagger-initializer.js";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={INITIALIZER}");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let mut archive =
        zip::ZipArchive::new(Cursor::new(utoipa_swagger_ui_vendored::SWAGGER_UI_VENDORED)).expect("vendored zip");
    let dist = (0..archive.len())
        .filter_map(|i| archive.name_for_index(i).map(str::to_owned))
        .find_map(|name| name.strip_suffix("dist/index.html").map(|root| format!("{root}dist/")))
        .expect("dist/index.html in the vendored archive");

    let mut table = String::from("&[\n");
    let mut pack = |name: &str, content_type: &str, bytes: Vec<u8>| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes).expect("gzip");
        let file = out.join(format!("{name}.gz"));
        std::fs::write(&file, gz.finish().expect("gzip")).expect("write asset");
        writeln!(table, "    ({name:?}, {content_type:?}, include_bytes!({:?})),", file.display().to_string())
            .expect("table");
    };
    for (name, content_type) in FILES {
        let mut bytes = Vec::new();
        archive.by_name(&format!("{dist}{name}")).expect(name).read_to_end(&mut bytes).expect("read asset");
        if *name == "index.html" {
            // The page links its assets relative to itself, and `/docs` has no trailing slash.
            let page = String::from_utf8(bytes).expect("utf-8 page");
            bytes = page.replace("\"./", "\"/docs/").replace("href=\"index.css\"", "href=\"/docs/index.css\"").into();
        }
        pack(name, content_type, bytes);
    }
    let initializer = std::fs::read(INITIALIZER).expect(INITIALIZER);
    pack("swagger-initializer.js", "application/javascript; charset=utf-8", initializer);
    table.push(']');
    std::fs::write(out.join("swagger_ui.rs"), table).expect("write table");
}
