"""The API's pages: 50 records by default, ``?page_size=`` up to 200. (A module of its own: DRF
imports it while its own views load, so it may import nothing of medtek's API.)"""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
