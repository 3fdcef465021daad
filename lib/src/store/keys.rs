//! Key patterns of the single table (documented in `docs/data-model.md`). Every key string is
//! built here and nowhere else.

use crate::domain::Username;

/// Partition of a user: profile, sessions, verification code.
pub fn user_pk(username: &Username) -> String {
    user_pk_str(username.as_str())
}
/// [`user_pk`] of an already validated name.
pub fn user_pk_str(username: &str) -> String {
    format!("USER#{username}")
}
/// Sort key of the profile item.
pub const PROFILE: &str = "PROFILE";
/// Sort key of the pending email verification.
pub const VERIFY: &str = "VERIFY";
/// Sort key of a refresh-token family (a session).
pub fn session_sk(family: &str) -> String {
    format!("SESSION#{family}")
}
/// Uniqueness item of an email address.
pub fn email_pk(email: &str) -> String {
    format!("EMAIL#{email}")
}
/// Sort key of single-item partitions.
pub const ONE: &str = "#";
/// Item of an API key, by the hash of the key.
pub fn api_key_pk(hash: &str) -> String {
    format!("APIKEY#{hash}")
}
/// Item of a refresh token, by the hash of the token.
pub fn refresh_pk(hash: &str) -> String {
    format!("REFRESH#{hash}")
}
/// Item recording a sent mail job (de-duplication).
pub fn mail_pk(job_id: &str) -> String {
    format!("MAIL#{job_id}")
}
/// GSI1 partition listing every user, newest first.
pub const ALL_USERS: &str = "USERS";
/// GSI1 sort key of a user.
pub fn user_list_sk(created_at: &str, username: &Username) -> String {
    format!("{created_at}#{username}")
}
/// Partition of a search prefix in a collection.
pub fn search_pk(collection: &str, prefix: &str) -> String {
    format!("SEARCH#{collection}#{prefix}")
}

/// Partition of a media: the media item, its likes, reposts and playlist memberships.
pub fn media_pk(id: &str) -> String {
    format!("MEDIA#{id}")
}
/// Sort key of the media item.
pub const MEDIA: &str = "MEDIA";
/// GSI1 partition of every ready media, newest first.
pub const ALL_MEDIAS: &str = "MEDIAS";
/// GSI2 partition of a user's ready medias.
pub fn owner_medias(owner: &Username) -> String {
    format!("OWNER#{owner}")
}
/// GSI3 partition of the ready medias of a kind.
pub fn kind_medias(kind: &str) -> String {
    format!("KIND#{kind}")
}
/// Sort key of anything listed by creation time.
pub fn by_time(created_at: &str, id: &str) -> String {
    format!("{created_at}#{id}")
}
/// Partition listing the medias of a tag.
pub fn tag_pk(tag: &str) -> String {
    format!("TAG#{tag}")
}
/// Pending upload (the `fileUrl` a media is created with).
pub fn upload_pk(id: &str) -> String {
    format!("UPLOAD#{id}")
}
/// Sort key of a reaction (like or repost) of `username` in its target's partition.
pub fn reaction_sk(kind: &str, username: &Username) -> String {
    format!("{kind}#{username}")
}
/// GSI1 partition of a user's reactions of one kind (`LIKES#alice`, `REPOSTS#alice`).
pub fn user_reactions(kind: &str, username: &Username) -> String {
    format!("{kind}S#{username}")
}
/// Partition of a user's follow edges (one item per followee).
pub fn follow_pk(follower: &Username) -> String {
    format!("FOLLOW#{follower}")
}
/// GSI1 partition listing a user's followers, newest first.
pub fn followers_of(user: &Username) -> String {
    format!("FOLLOWERS#{user}")
}
/// GSI2 partition listing whom a user follows, newest first.
pub fn followings_of(user: &Username) -> String {
    format!("FOLLOWINGS#{user}")
}
/// Partition of a comment: the comment item and its likes.
pub fn comment_pk(id: &str) -> String {
    format!("COMMENT#{id}")
}
/// Sort key of the comment item.
pub const COMMENT: &str = "COMMENT";
/// GSI1 partition of a media's top-level comments, oldest first.
pub fn media_comments(media: &str) -> String {
    format!("MEDIACOMMENTS#{media}")
}
/// GSI1 partition of the replies of a top-level comment, oldest first.
pub fn comment_replies(comment: &str) -> String {
    format!("REPLIES#{comment}")
}
/// GSI2 partition of every comment and reply of a media (for its cascade).
pub fn media_all_comments(media: &str) -> String {
    format!("MEDIAALLCOMMENTS#{media}")
}
/// GSI3 partition of every comment and reply written under a username (for account erasure).
pub fn author_comments(author: &Username) -> String {
    format!("AUTHORCOMMENTS#{author}")
}
/// Sort key of `username`'s like in a target's partition (what `Reaction::Like` writes).
pub fn like_sk(username: &Username) -> String {
    reaction_sk("LIKE", username)
}
/// Partition of a playlist.
pub fn playlist_pk(id: &str) -> String {
    format!("PLAYLIST#{id}")
}
/// Sort key of the playlist item.
pub const PLAYLIST: &str = "PLAYLIST";
/// GSI1 partition of every playlist, newest first.
pub const ALL_PLAYLISTS: &str = "PLAYLISTS";
/// GSI2 partition of a user's playlists.
pub fn owner_playlists(owner: &Username) -> String {
    format!("OWNERPLAYLISTS#{owner}")
}
/// Prefix of the sort keys of playlist memberships (in the media's partition).
pub const IN_PLAYLIST: &str = "INPLAYLIST#";
/// Sort key of a media's membership of playlist `id` (in the media's partition).
pub fn in_playlist_sk(id: &str) -> String {
    format!("{IN_PLAYLIST}{id}")
}
/// GSI2 partition of an account's uploads by time (the rolling quota).
pub fn user_uploads(uid: &str) -> String {
    format!("UPLOADS#{uid}")
}

/// Upload quota ledger of the account `uid`.
pub fn quota_pk(uid: &str) -> String {
    format!("QUOTA#{uid}")
}

/// An account's feed: its own medias and reposts by time (the user timeline).
pub fn feed_pk(user: &str) -> String {
    format!("FEED#{user}")
}

/// An account's home-timeline partition (and, through GSI1, its order).
pub fn home_pk(user: &str) -> String {
    format!("TL#{user}")
}

/// Sort key of the home entry of `media` (one per media: no duplicates).
pub fn home_sk(media: &str) -> String {
    format!("M#{media}")
}

/// GSI2 partition of every home entry of `media`.
pub fn home_by_media(media: &str) -> String {
    format!("TLMEDIA#{media}")
}

/// GSI3 partition of the follow edges of `follower` into big accounts.
pub fn big_followings(follower: &str) -> String {
    format!("BIGFOLLOWINGS#{follower}")
}

/// Follow-edge partition of `follower` (a raw name from a stream image).
pub fn follow_pk_str(follower: &str) -> String {
    format!("FOLLOW#{follower}")
}

/// An account's notifications.
pub fn notifications_pk(user: &str) -> String {
    format!("NOTIF#{user}")
}

/// GSI2 partition of an account's unread notifications (sparse: only unread ones).
pub fn unread_notifications(user: &str) -> String {
    format!("UNREAD#{user}")
}
