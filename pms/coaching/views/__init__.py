"""Coaching pages. Views parse input, ask ``pms.coaching.access``, call one service or
selector and render. The request helpers are the organisation pages' own."""

from pms.org.views import actor_of, is_htmx, posted, principal_of

__all__ = ["actor_of", "is_htmx", "posted", "principal_of"]
