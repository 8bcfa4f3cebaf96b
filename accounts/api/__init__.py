"""The REST API's shared parts: token authentication, access, errors, paging, throttling, ETags.

Endpoints live beside the selectors they call (commissioning/api/, outcomes/api/); this
package holds what every endpoint shares, so each behaves alike.
"""
