"""A proposal's page as the panel reads it, shown again by every form on it that is refused."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from grants.models import Round
from grants.panels import deliberation, wellbeing
from grants.panels.forms import CommentForm, HideForm, InterestForm, QuestionForm
from grants.panels.loading import panel_context
from grants.proposals.loading import with_budget
from grants.roles import has_declared_interest


def proposal_page(  # noqa: ANN202
    rnd: Round,
    seat,  # noqa: ANN001
    item,  # noqa: ANN001
    form: CommentForm,
    interest_form: InterestForm | None = None,
    question_form: QuestionForm | None = None,
    hide: tuple[int, HideForm] | None = None,
):
    """A proposal as the panel reads it; a refused form on it is shown again with its problems.

    `hide` is a refused "hide this post" form and the comment it is about: each comment has its own
    form (prefix hide-<id>), so the error summary links to the box under the right post."""
    refused = bool(
        form.errors
        or (interest_form is not None and interest_form.errors)
        or (question_form is not None and question_form.errors)
        or (hide is not None and hide[1].errors)
    )

    def hide_form(comment_id: int) -> HideForm:
        if hide is not None and hide[0] == comment_id:
            return hide[1]
        return HideForm(prefix=f"hide-{comment_id}", formdata=None)

    item = with_budget(item)
    return render_template(
        "panels/proposal.html",
        proposal=item,
        comments=deliberation.comments_for(current_user, item),
        questions=deliberation.questions_for(item.id),
        form=form,
        interest_form=interest_form or InterestForm(formdata=None),
        question_form=question_form or QuestionForm(formdata=None),
        hide_form=hide_form,
        hide_refused=hide[1] if hide is not None else None,
        conflicted=has_declared_interest(current_user, item.id),
        rules=deliberation.rules_status(rnd.id, current_user),
        content_note=wellbeing.content_note(item.id),
        show_note_first=seat.content_notes_first,
        **panel_context(rnd, seat),
    ), (400 if refused else 200)
