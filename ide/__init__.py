"""The facilitators' GraphiQL: the page, its starting tabs, and the pinned build it runs on.

Facilitators do their week's work in GraphiQL, often from a hospital or a clinic whose
network blocks public CDNs, on computers others use after them. So the page loads
nothing from outside Haven, signs in through a form, and keeps no secret anywhere a
browser would keep it.
"""
