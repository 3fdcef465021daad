//! What an upload is for: a media's file, a subtitle track, a music cover, or an account's
//! profile or channel photo. The purpose decides the accepted types, the object key folder and
//! what processing does with the file.

use std::fmt;

use super::{MediaId, MediaKind};

/// A subtitle language: a BCP 47 tag of a 2–3 letter language and an optional region or
/// script (`en`, `pt-BR`, `zh-Hant`), stored as given but compared case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lang(String);

impl Lang {
    /// Parses `en`, `fr`, `pt-BR`, `zh-Hant`…
    pub fn parse(raw: &str) -> Result<Self, String> {
        let invalid = || "must be a language tag such as en, fr or pt-BR".to_owned();
        let mut parts = raw.split('-');
        let lang = parts.next().unwrap_or("");
        if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(invalid());
        }
        let mut out = lang.to_ascii_lowercase();
        if let Some(sub) = parts.next() {
            if !(2..=8).contains(&sub.len()) || !sub.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(invalid());
            }
            out.push('-');
            out.push_str(&if sub.len() == 2 { sub.to_ascii_uppercase() } else { sub.to_owned() });
        }
        if parts.next().is_some() {
            return Err(invalid());
        }
        Ok(Self(out))
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an uploaded file becomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadPurpose {
    /// The file of a photo, video or music media (claimed by `POST /api/medias`).
    Media(MediaKind),
    /// A subtitle track of a video.
    Subtitle {
        /// The video.
        media: MediaId,
        /// Its language.
        lang: Lang,
    },
    /// The cover image of a music media.
    Cover {
        /// The music.
        media: MediaId,
    },
    /// The account's avatar.
    ProfilePhoto,
    /// The account's banner.
    ChannelPhoto,
}

impl UploadPurpose {
    /// The folder under `uploads/` in the bucket (also what the stored record names).
    pub fn folder(&self) -> &'static str {
        match self {
            Self::Media(kind) => kind.as_str(),
            Self::Subtitle { .. } => "subtitle",
            Self::Cover { .. } => "cover",
            Self::ProfilePhoto => "avatar",
            Self::ChannelPhoto => "banner",
        }
    }

    /// The media it attaches to, for subtitles and covers.
    pub fn target(&self) -> Option<&MediaId> {
        match self {
            Self::Subtitle { media, .. } | Self::Cover { media } => Some(media),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        assert_eq!(Lang::parse("EN").unwrap().as_str(), "en");
        assert_eq!(Lang::parse("pt-br").unwrap().as_str(), "pt-BR");
        assert_eq!(Lang::parse("zh-Hant").unwrap().as_str(), "zh-Hant");
        for bad in ["", "e", "english", "en-", "en-US-x", "e1", "../x", "en_US"] {
            assert!(Lang::parse(bad).is_err(), "{bad}");
        }
    }
}
