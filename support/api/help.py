"""Help articles: the list (with ?q=, search results best first, with highlighted snippets)
and one article. Open to every caller with no scope: help is not health information. Clients and
API keys read the client help, staff every published article."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from iop.api.list_cache import ListCacheMixin
from iop.api.params import MAX_ID, choice_param, text_param
from iop.api.views import READ_ERRORS
from support import search, selectors
from support.models import ArticleCategory, HelpArticle


class HelpArticleSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The article's page in the help centre.")
    snippet = serializers.SerializerMethodField(
        help_text="With ?q=: a passage of the article, HTML-escaped, matched words in <mark>."
    )
    score = serializers.SerializerMethodField(help_text="With ?q=: higher answers it better.")

    class Meta:
        model = HelpArticle
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "category",
            "audience",
            "tech_topics",
            "helpful_count",
            "not_helpful_count",
            "updated_at",
            "url",
            "snippet",
            "score",
        ]

    def get_url(self, article: HelpArticle) -> str:
        return reverse("support:article", args=[article.slug])

    def get_snippet(self, article: HelpArticle) -> str | None:
        found = self.context.get("results", {}).get(article.pk)
        return str(found.snippet) if found is not None else None

    def get_score(self, article: HelpArticle) -> float | None:
        found = self.context.get("results", {}).get(article.pk)
        return round(found.score, 6) if found is not None else None


class HelpArticleDetailSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    body_html = serializers.CharField(help_text="The body rendered from Markdown and sanitised.")

    class Meta:
        model = HelpArticle
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "category",
            "audience",
            "tech_topics",
            "body",
            "body_html",
            "helpful_count",
            "not_helpful_count",
            "updated_at",
            "url",
        ]

    def get_url(self, article: HelpArticle) -> str:
        return reverse("support:article", args=[article.slug])


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                {"type": "string", "maxLength": search.MAX_QUERY_LENGTH},
                description=f"Search words (typos are forgiven): the {search.MAX_RESULTS} best "
                f"articles, best first. At most {search.MAX_QUERY_LENGTH} characters; empty is "
                "no search.",
            ),
            OpenApiParameter("category", OpenApiTypes.STR, enum=ArticleCategory.values),
        ],
        responses={200: HelpArticleSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(responses={200: HelpArticleDetailSerializer, **READ_ERRORS}),
)
class HelpArticleViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = HelpArticleSerializer
    queryset = HelpArticle.objects.none()
    lookup_value_regex = r"\d+"
    required_scopes = {"list": None, "retrieve": None}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = text_param(request, "q", max_length=search.MAX_QUERY_LENGTH)
        category = choice_param(request, "category", ArticleCategory.values)
        if query is None:
            rows = selectors.help_article_list_for(request.user, category=category)
            page = self.paginate_queryset(rows)
            return self.get_paginated_response(HelpArticleSerializer(page, many=True).data)
        results = [
            r
            for r in selectors.help_search_for(request.user, query)
            if category is None or r.article.category == category
        ]
        page = self.paginate_queryset([r.article for r in results])  # type: ignore[arg-type]
        context = {"results": {r.article.pk: r for r in results}}
        return self.get_paginated_response(
            HelpArticleSerializer(page, many=True, context=context).data
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pk = int(kwargs["pk"])
        try:
            if not 0 < pk <= MAX_ID:
                raise HelpArticle.DoesNotExist
            article = selectors.help_article_get_for(request.user, pk=pk)
        except HelpArticle.DoesNotExist:
            raise NotFound("No such help article.") from None
        return Response(HelpArticleDetailSerializer(article).data)
