"""Comment pages: post a comment or reply (from the idea page), edit within 15 minutes, and
delete your own."""

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts.principal import Principal
from app.comments import access
from app.comments import service as comments
from app.core.subjects import Subject
from app.deps import DbSession, SignedIn
from app.errors import Forbidden, NotFound
from app.i18n import N_
from app.ideas import routes as idea_pages
from app.ideas import service as ideas
from app.models import Comment, SubjectKind
from app.web import notices
from app.web.forms import FormValues, rejected
from app.web.params import RowId, as_id
from app.web.render import render
from app.web.responses import redirect
from app.web.routing import Router
from app.web.urls import url_for

router = Router()

notices.register(
    comment_added=N_("Your comment has been added"),
    comment_removed=N_("Your comment has been removed"),
)


@router.post("/ideas/{idea_id}/comments", name="add_comment")
def add_comment(
    request: Request, idea_id: RowId, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    idea = ideas.visible_idea(db, idea_id=idea_id, viewer=principal)
    if not access.can_comment(principal, idea):
        raise NotFound()
    parent = values.get("parent_id", "")
    if (preview := comments.preview_of(db, values)) is not None:
        context = idea_pages.idea_context(db, request, idea_id, principal, values=values)
        return render(request, "ideas/detail.html", context | preview_context(preview, values))
    with idea_pages.rejected_on_idea_page(db, request, idea_id, principal, values):
        comment = comments.add(
            db,
            subject=Subject.of(idea),
            principal=principal,
            body=values.get("body", ""),
            # A reply names its comment; a value that names none is a comment that has gone.
            parent_id=(as_id(parent) or 0) if parent else None,
            body_field=comments.form_field(values),
        )
        db.commit()
    if comments.is_waiting(comment):
        return redirect(request, url_for("comment_held", comment_id=comment.id))
    return redirect(
        request,
        url_for("idea_page", idea_id=idea_id) + f"?notice=comment-added#comment-{comment.id}",
    )


def preview_context(preview: str, values: dict[str, str]) -> dict[str, object]:
    """What a subject's page shows above all else when a comment's identifying details were
    taken out: the public text, and the form (the comment's or a reply's) it sends."""
    field = comments.form_field(values)
    form = "comment-form" if field == "body" else field.replace("reply-", "reply-form-")
    return {"comment_preview": {"description": preview, "form": form, "change": f"#{field}"}}


@router.get("/comments/{comment_id}/waiting", name="comment_held")
def comment_held(
    request: Request, comment_id: RowId, db: DbSession, principal: SignedIn
) -> Response:
    """Its author's confirmation for a comment a person must read first (with crisis help
    when it is held for safeguarding, or waiting for a moderator)."""
    comment = _own_comment(db, comment_id, principal)
    if not comments.is_waiting(comment):
        return redirect(request, subject_page(comment) + f"#comment-{comment.id}")
    return render(
        request,
        "comments/held.html",
        {"comment": comment, "held": comments.is_held(comment), "back": subject_page(comment)},
    )


def _own_comment(db: Session, comment_id: int, principal: Principal) -> Comment:
    """The person's own comment; someone else's looks like no comment at all (404)."""
    try:
        return comments.editable(db, comment_id=comment_id, principal=principal)
    except Forbidden:
        raise NotFound() from None


def subject_page(comment: Comment) -> str:
    """The page a comment is shown on (its subject's page)."""
    kind = SubjectKind(comment.subject_kind)
    return url_for(SUBJECT_PAGES[kind], **{f"{kind.value}_id": comment.subject_id})


#: The page route of each kind of subject (its id parameter is ``<kind>_id``).
SUBJECT_PAGES = {SubjectKind.idea: "idea_page", SubjectKind.project: "project_page"}


def _edit_context(comment: Comment, values: dict[str, str], editable: bool) -> dict[str, object]:
    return {"comment": comment, "values": values, "editable": editable}


@router.get("/comments/{comment_id}/edit", name="edit_comment_form")
def edit_comment_form(
    request: Request, comment_id: RowId, db: DbSession, principal: SignedIn
) -> Response:
    comment = _own_comment(db, comment_id, principal)
    editable = access.can_edit_comment(principal, comment)
    return render(
        request, "comments/edit.html", _edit_context(comment, {"body": comment.body}, editable)
    )


@router.post("/comments/{comment_id}/edit", name="edit_comment")
def edit_comment(
    request: Request, comment_id: RowId, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    comment = comments.editable(db, comment_id=comment_id, principal=principal)
    may_edit = access.can_edit_comment(principal, comment) and not comments.is_held(comment)
    if may_edit and (preview := comments.preview_of(db, values)) is not None:
        context = _edit_context(comment, values, True) | {"preview": {"description": preview}}
        return render(request, "comments/edit.html", context)
    with rejected(
        "comments/edit.html",
        lambda errors: _edit_context(
            comments.editable(db, comment_id=comment_id, principal=principal), values, True
        ),
        db=db,
    ):
        comment = comments.edit(
            db, comment_id=comment_id, principal=principal, body=values.get("body", "")
        )
        db.commit()
    if comments.is_waiting(comment):
        return redirect(request, url_for("comment_held", comment_id=comment.id))
    return redirect(request, subject_page(comment) + f"#comment-{comment.id}")


@router.post("/comments/{comment_id}/delete", name="delete_comment")
def delete_comment(
    request: Request, comment_id: RowId, db: DbSession, principal: SignedIn
) -> Response:
    comment = comments.delete(db, comment_id=comment_id, principal=principal)
    db.commit()
    return redirect(request, subject_page(comment) + "?notice=comment-removed#comments")
