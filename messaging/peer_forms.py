"""The forms of the peer space pages: they read the input; the services hold the rules."""

from __future__ import annotations

from django import forms

from messaging.models.peer import POST_MAX, REASON_MAX, SHOWN_NAME_MAX


class PostForm(forms.Form):
    body = forms.CharField(
        label="Your post",
        max_length=POST_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write something to share."},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class AcceptForm(forms.Form):
    shown_name = forms.CharField(
        label="The name your group sees",
        max_length=SHOWN_NAME_MAX,
        help_text="Your preferred name or first name is fine. You can change it later here.",
        error_messages={"required": "Write the name your group will see, such as your first name."},
    )
    accepted = forms.BooleanField(
        label="I have read the guidelines and I accept them",
        error_messages={"required": "Tick the box to say you accept the guidelines."},
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="What worries you about this post?",
        max_length=REASON_MAX,
        error_messages={"required": "Say what worries you about this post."},
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label="Why (the author reads this)",
        max_length=REASON_MAX,
        error_messages={"required": "Say why, in words the author will read."},
    )


MUTE_CHOICES = [
    (60, "1 hour"),
    (24 * 60, "1 day"),
    (3 * 24 * 60, "3 days"),
    (7 * 24 * 60, "7 days"),
]


class MuteForm(forms.Form):
    minutes = forms.TypedChoiceField(
        label="For how long", choices=MUTE_CHOICES, coerce=int, initial=24 * 60
    )
    reason = forms.CharField(
        label="Why (the member reads this)",
        max_length=REASON_MAX,
        error_messages={"required": "Say why, in words the member will read."},
    )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Decision",
        choices=[("keep", "Keep the post"), ("hide", "Hide the post")],
        error_messages={"required": "Choose whether to keep or hide the post."},
    )
    reason = forms.CharField(
        label="Why (shown to the author if hidden)", max_length=REASON_MAX, required=False
    )
