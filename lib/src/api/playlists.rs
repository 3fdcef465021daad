//! Playlists: ordered lists of medias of any kind, owned by one user. Create, read, list,
//! search, update, delete, and append / move / remove a media.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::MediaView;
use crate::ctx::Ctx;
use crate::domain::{Description, DomainError, FieldError, MediaId, Title, User};
use crate::http::cursor::Position;
use crate::http::problem::Problem;
use crate::http::{ApiResult, Reply, Req};
use crate::store::keys;
use crate::store::playlists::{Playlist, PlaylistEdit, PlaylistId};
use crate::store::search::{SearchDoc, matches};

/// A playlist.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlaylistView {
    /// Id.
    pub url: String,
    /// Owner's username.
    pub owner: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Number of medias.
    pub count: u64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl PlaylistView {
    /// The view of `p`.
    pub fn of(p: &Playlist) -> Self {
        Self {
            url: p.id.to_string(),
            owner: p.owner.to_string(),
            title: p.title.clone(),
            description: p.description.clone(),
            count: p.items.len() as u64,
            created_at: p.created_at.clone(),
            updated_at: p.updated_at.clone(),
        }
    }
}

/// A page of playlists.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlaylistPage {
    /// Playlists.
    pub items: Vec<PlaylistView>,
    /// Next page cursor.
    pub next_cursor: Option<String>,
}

/// A media of a playlist, with its place in it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlaylistMediaView {
    /// The media.
    #[serde(flatten)]
    pub media: MediaView,
    /// 0-based position in the playlist.
    pub position: u64,
}

/// A page of a playlist's medias, in playlist order.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlaylistMediaPage {
    /// Medias with their positions.
    pub items: Vec<PlaylistMediaView>,
    /// Next page cursor.
    pub next_cursor: Option<String>,
}

/// A new playlist.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatePlaylistBody {
    /// 1–200 characters.
    pub title: String,
    /// ≤ 5,000 characters.
    pub description: Option<String>,
}

/// Changes to a playlist.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdatePlaylistBody {
    /// New title (1–200).
    pub title: Option<String>,
    /// New description (≤ 5,000).
    pub description: Option<String>,
}

/// Where to move a media.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MovePlaylistMediaBody {
    /// New 0-based position: `0` to `count - 1`.
    pub position: i64,
}

/// What the search index holds for a playlist: its title.
pub fn search_doc(p: &Playlist) -> SearchDoc {
    SearchDoc {
        collection: "playlists",
        id: p.id.to_string(),
        sort_key: keys::by_time(&p.created_at, p.id.as_str()),
        text: p.search_text().to_owned(),
    }
}

fn checked(
    title: Option<&str>,
    description: Option<&str>,
) -> Result<(Option<Title>, Option<Description>), DomainError> {
    let mut errors = Vec::new();
    let title = title.and_then(|t| Title::parse(t).map_err(|m| errors.push(FieldError::new("title", m))).ok());
    let description = description
        .and_then(|d| Description::parse(d).map_err(|m| errors.push(FieldError::new("description", m))).ok());
    if errors.is_empty() { Ok((title, description)) } else { Err(DomainError::Invalid(errors)) }
}

/// `POST /api/playlists` — create a playlist.
#[utoipa::path(post, path = "/api/playlists", tag = "playlists", request_body = CreatePlaylistBody,
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = PlaylistView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn create(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let me = req.verified_caller().await?.user;
    let body: CreatePlaylistBody = req.json()?;
    let (Some(title), description) = checked(Some(&body.title), Some(body.description.as_deref().unwrap_or("")))?
    else {
        return Err(DomainError::invalid("title", "is required").into());
    };
    let now = crate::time::now_rfc3339();
    let playlist = Playlist {
        id: PlaylistId::generate(),
        owner: me.username.clone(),
        owner_uid: me.id.clone(),
        title: title.as_str().to_owned(),
        description: description.map(|d| d.as_str().to_owned()).unwrap_or_default(),
        items: vec![],
        version: 0,
        created_at: now.clone(),
        updated_at: now,
    };
    ctx.store.create_playlist(&playlist).await?;
    ctx.store.search().index(&search_doc(&playlist), None).await?;
    Ok(Reply::json(201, &PlaylistView::of(&playlist)).header("location", &format!("/api/playlists/{}", playlist.id)))
}

/// `GET /api/playlists/{url}` — one playlist.
#[utoipa::path(get, path = "/api/playlists/{url}", tag = "playlists", params(("url" = String, Path)),
    responses((status = 200, body = PlaylistView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let id: PlaylistId = req.path("url")?;
    Ok(Reply::ok(&PlaylistView::of(&ctx.store.require_playlist(&id).await?)))
}

/// `GET /api/playlists` — every playlist, newest first.
#[utoipa::path(get, path = "/api/playlists", tag = "playlists",
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = PlaylistPage), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let page = req.page()?;
    let (playlists, next_cursor) = ctx.store.list_playlists(&page).await?;
    Ok(Reply::ok(&PlaylistPage { items: playlists.iter().map(PlaylistView::of).collect(), next_cursor }))
}

/// `GET /api/playlists/search/{term}` — playlists whose title has a word starting with each
/// word of `term`, newest first.
#[utoipa::path(get, path = "/api/playlists/search/{term}", tag = "playlists",
    params(("term" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = PlaylistPage), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn search(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let found = super::search::search_page(ctx, &req, "playlists").await?;
    let ids: Vec<PlaylistId> = found.ids.iter().filter_map(|id| PlaylistId::parse(id).ok()).collect();
    let playlists = ctx.store.get_playlists(&ids).await?;
    let items = playlists.iter().filter(|p| matches(p.search_text(), &found.term)).map(PlaylistView::of).collect();
    Ok(Reply::ok(&PlaylistPage { items, next_cursor: found.next_cursor }))
}

/// `GET /api/playlists/{url}/medias` — the playlist's medias in order, any kinds mixed, each
/// with its 0-based `position`. Medias deleted meanwhile are left out.
#[utoipa::path(get, path = "/api/playlists/{url}/medias", tag = "playlists",
    params(("url" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = PlaylistMediaPage),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn medias(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let id: PlaylistId = req.path("url")?;
    let page = req.page()?;
    let playlist = ctx.store.require_playlist(&id).await?;
    let scope = format!("playlist-medias:{id}");
    let start = match &page.cursor {
        Some(c) => ctx
            .store
            .cursors
            .open(&scope, c)?
            .get("offset")
            .and_then(|o| o.parse::<usize>().ok())
            .ok_or_else(|| DomainError::invalid("cursor", "is not a cursor of this list"))?,
        None => 0,
    };
    let start = start.min(playlist.items.len());
    let end = (start + page.limit as usize).min(playlist.items.len());
    let medias = ctx.store.get_medias(&playlist.items[start..end]).await?;
    let items = medias
        .iter()
        .filter_map(|m| {
            let at = start + playlist.items[start..end].iter().position(|i| *i == m.id)?;
            Some(PlaylistMediaView { media: MediaView::of(m), position: at as u64 })
        })
        .collect();
    let next_cursor = (end < playlist.items.len())
        .then(|| ctx.store.cursors.seal(&scope, &Position::from([("offset".to_owned(), end.to_string())])));
    Ok(Reply::ok(&PlaylistMediaPage { items, next_cursor }))
}

/// The playlist `{param}` if the caller owns it: 404 when absent, 403 when another user's.
async fn owned_playlist(ctx: &Ctx, req: &Req, param: &str) -> ApiResult<(User, Playlist)> {
    let id: PlaylistId = req.path(param)?;
    let me = req.verified_caller().await?.user;
    let playlist = ctx.store.require_playlist(&id).await?;
    if playlist.owner_uid != me.id {
        return Err(DomainError::Forbidden("only the owner may change this playlist".into()).into());
    }
    Ok((me, playlist))
}

/// `PUT /api/playlists/{url}` — change title and description (owner only).
#[utoipa::path(put, path = "/api/playlists/{url}", tag = "playlists", request_body = UpdatePlaylistBody, params(("url" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 200, body = PlaylistView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn update(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let (_, playlist) = owned_playlist(ctx, &req, "url").await?;
    let body: UpdatePlaylistBody = req.json()?;
    let (title, description) = checked(body.title.as_deref(), body.description.as_deref())?;
    if title.is_none() && description.is_none() {
        return Err(DomainError::BadRequest("nothing to update: send title and/or description".into()).into());
    }
    let updated = ctx
        .store
        .update_playlist(&playlist, title.as_ref().map(Title::as_str), description.as_ref().map(Description::as_str))
        .await?;
    if updated.title != playlist.title {
        ctx.store.search().index(&search_doc(&updated), Some(playlist.search_text())).await?;
    }
    Ok(Reply::ok(&PlaylistView::of(&updated)))
}

/// `DELETE /api/playlists/{url}` — owner only; its entries go in the background.
#[utoipa::path(delete, path = "/api/playlists/{url}", tag = "playlists", params(("url" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 204, description = "deleted"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let (_, playlist) = owned_playlist(ctx, &req, "url").await?;
    ctx.store.delete_playlist(&playlist).await?;
    ctx.store.search().remove(&search_doc(&playlist)).await?;
    Ok(Reply::no_content())
}

/// Applies `edit(media)` to `{playlistUrl}` for its owner; the media `{url}` must exist.
async fn edit(
    ctx: &Ctx,
    req: &Req,
    edit: impl FnOnce(MediaId) -> Result<PlaylistEdit, DomainError>,
) -> ApiResult<(bool, Playlist)> {
    let media: MediaId = req.path("url")?;
    let (me, playlist) = owned_playlist(ctx, req, "playlistUrl").await?;
    let edit = edit(media)?;
    ctx.store.require_media(edit.media()).await?;
    let edited = ctx.store.edit_playlist(&playlist.id, Some(&me.id), &edit).await?;
    Ok((edited.changed, edited.playlist))
}

/// `POST /api/medias/{url}/playlists/{playlistUrl}` — append the media (any kind, any status)
/// to the playlist: 201; 200 when it is already in (nothing changes).
#[utoipa::path(post, path = "/api/medias/{url}/playlists/{playlistUrl}", tag = "playlists",
    params(("url" = String, Path), ("playlistUrl" = String, Path)), security(("bearer" = []), ("apiKey" = [])),
    responses((status = 201, body = PlaylistView, description = "appended"), (status = 200, body = PlaylistView, description = "already in"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "playlist full")))]
pub async fn add_media(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let (added, playlist) = edit(ctx, &req, |m| Ok(PlaylistEdit::Append(m))).await?;
    Ok(Reply::json(if added { 201 } else { 200 }, &PlaylistView::of(&playlist)))
}

/// `PUT /api/medias/{url}/playlists/{playlistUrl}` — move the media to `{position}` (0-based,
/// `0` to `count - 1`; the others shift).
#[utoipa::path(put, path = "/api/medias/{url}/playlists/{playlistUrl}", tag = "playlists",
    request_body = MovePlaylistMediaBody, params(("url" = String, Path), ("playlistUrl" = String, Path)),
    security(("bearer" = []), ("apiKey" = [])),
    responses((status = 200, body = PlaylistView),
              (status = 400, body = Problem, content_type = "application/problem+json", description = "position out of range"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json", description = "media, playlist, or media not in the playlist")))]
pub async fn move_media(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    let (_, playlist) =
        edit(ctx, &req, |m| Ok(PlaylistEdit::Move(m, req.json::<MovePlaylistMediaBody>()?.position))).await?;
    Ok(Reply::ok(&PlaylistView::of(&playlist)))
}

/// `DELETE /api/medias/{url}/playlists/{playlistUrl}` — take the media out (idempotent).
#[utoipa::path(delete, path = "/api/medias/{url}/playlists/{playlistUrl}", tag = "playlists",
    params(("url" = String, Path), ("playlistUrl" = String, Path)), security(("bearer" = []), ("apiKey" = [])),
    responses((status = 204, description = "not in the playlist"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn remove_media(ctx: &Ctx, req: Req) -> ApiResult<Reply> {
    edit(ctx, &req, |m| Ok(PlaylistEdit::Remove(m))).await?;
    Ok(Reply::no_content())
}
