"""The search page and the JSON API: queries, filters, errors, privacy."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from wagtail.models import PageViewRestriction

from search.indexing import sync_pages
from tests.factories import make_user
from tests.search.factories import add_material

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(archive, search_index):
    pages = {
        "lianzheng": add_material(
            archive,
            "关于加强党风廉政建设的学习材料",
            ("h2", "一、总体要求"),
            "各党支部要坚持三会一课制度，把党风廉政建设融入主题党日。",
            tags=("廉政", "支部建设"),
            date=datetime.date(2021, 3, 1),
        ),
        "fazhi": add_material(
            archive,
            "生态环境保护法治读本",
            "加强生态环境保护，依法打击环境污染犯罪，刑法对此有专门规定。",
            tags=("法治",),
            date=datetime.date(2019, 6, 5),
        ),
        "huanjing": add_material(
            archive,
            "城市环境保护工作要点",
            "做好大气污染防治和生态环境保护工作，推进5G网络和数字政务建设。",
            tags=("生态",),
            date=datetime.date(2023, 9, 9),
        ),
    }
    sync_pages(page.pk for page in pages.values())
    return pages


def api(client, **params):
    return client.get("/api/search", params)


def titles(response) -> list[str]:
    return [r["title"] for r in response.json()["results"]]


def test_the_api_returns_count_and_results_in_the_documented_shape(client, library):
    response = api(client, q="党风廉政建设")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    (result,) = data["results"]
    assert set(result) == {"title", "url", "type", "date", "tags", "snippet", "score"}
    assert result["title"] == "关于加强党风廉政建设的学习材料"
    assert result["url"] == library["lianzheng"].url
    assert result["type"] == "material"
    assert result["date"] == "2021-03-01"
    assert sorted(result["tags"]) == sorted(["支部建设", "廉政"])
    assert "<mark>党风廉政建设</mark>" in result["snippet"]
    assert result["score"] > 0


def test_several_words_must_all_occur(client, library):
    assert sorted(titles(api(client, q="环境保护"))) == ["城市环境保护工作要点", "生态环境保护法治读本"]
    assert titles(api(client, q="环境保护 刑法")) == ["生态环境保护法治读本"]


def test_a_minus_word_excludes_documents(client, library):
    assert titles(api(client, q="环境保护 -刑法")) == ["城市环境保护工作要点"]


def test_a_quoted_phrase_must_occur_as_written(client, library):
    assert titles(api(client, q='"大气污染防治"')) == ["城市环境保护工作要点"]
    assert titles(api(client, q='"防治大气污染"')) == []
    assert titles(api(client, q="“三会一课制度”")) == ["关于加强党风廉政建设的学习材料"]


def test_latin_and_numbers_are_found(client, library):
    assert titles(api(client, q="5G")) == ["城市环境保护工作要点"]


def test_filters_by_tag_type_and_year(client, library):
    assert titles(api(client, q="环境保护", tag="法治")) == ["生态环境保护法治读本"]
    assert titles(api(client, q="环境保护", year="2023")) == ["城市环境保护工作要点"]
    assert titles(api(client, q="环境保护", type="course")) == []


def test_sorting_by_date_puts_the_newest_first(client, library):
    assert titles(api(client, q="生态环境保护", sort="date")) == ["城市环境保护工作要点", "生态环境保护法治读本"]


def test_a_title_match_ranks_first(client, library):
    assert titles(api(client, q="生态环境保护法治读本"))[0] == "生态环境保护法治读本"


def test_a_title_quoting_a_law_is_found_by_the_name_readers_type(client, archive):
    # Readers (and the laws' file names) write 《执业医师法》 where the title says 《中华人民共和国执业医师法》.
    pages = [
        add_material(
            archive, "军队实施《中华人民共和国执业医师法》办法", ("h2", "第一章 总则"), "军队医师的执业注册。"
        ),
        add_material(archive, "医疗卫生工作要点", ("h2", "一、要求"), "贯彻军队实施执业医师法办法，做好执业注册。"),
    ]
    sync_pages(page.pk for page in pages)
    found = titles(api(client, q="军队实施《执业医师法》办法"))
    assert found[0] == "军队实施《中华人民共和国执业医师法》办法"
    assert api(client, q="军队实施《执业医师法》办法").json()["count"] == len(found)


def test_a_title_is_found_without_the_countrys_name_wherever_it_stands(client, archive):
    # 国际航行船舶进出口岸检查办法 is how the file name and readers write this regulation's title.
    pages = [
        add_material(archive, "国际航行船舶进出中华人民共和国口岸检查办法", ("h2", "第一章 总则"), "船舶进出口岸。"),
        add_material(
            archive,
            "口岸工作要点",
            ("h2", "一、要求"),
            "落实国际航行船舶进出口岸检查办法，国际航行船舶进出口岸检查办法。",
        ),
    ]
    sync_pages(page.pk for page in pages)
    assert titles(api(client, q="国际航行船舶进出口岸检查办法"))[0] == "国际航行船舶进出中华人民共和国口岸检查办法"


def test_of_two_titles_equal_but_for_punctuation_the_one_typed_ranks_first(client, archive):
    with_comma = "最高人民法院、最高人民检察院关于办理某类刑事案件的解释"
    with_space = "最高人民法院 最高人民检察院关于办理某类刑事案件的解释"
    pages = [
        add_material(archive, with_comma, ("h2", "第一条"), "为依法惩治犯罪，制定本解释。"),
        add_material(archive, with_space, ("h2", "第一条"), "为依法惩治犯罪，制定本解释。"),
    ]
    sync_pages(page.pk for page in pages)
    assert titles(api(client, q=with_comma))[:2] == [with_comma, with_space]
    assert titles(api(client, q=with_space))[:2] == [with_space, with_comma]


def test_a_part_of_a_code_ranks_first_for_its_own_name(client, archive):
    pages = [
        add_material(archive, "某某法典·人格权编", ("h2", "第一章 一般规定"), "本编调整民事关系。"),
        add_material(archive, "人格权保护工作要点", ("h2", "一、要求"), "学习人格权编，人格权编的要点，人格权编。"),
    ]
    sync_pages(page.pk for page in pages)
    assert titles(api(client, q="人格权编"))[0] == "某某法典·人格权编"


@pytest.mark.parametrize(
    "params, message",
    [
        ({}, "缺少参数 q"),
        ({"q": ""}, "请输入检索词"),
        ({"q": "环境", "page": "abc"}, "page"),
        ({"q": "环境", "page": "0"}, "page"),
        ({"q": "环境", "page": "99999"}, "page"),
        ({"q": "环境", "type": "video"}, "type"),
        ({"q": "环境", "year": "二〇二一"}, "year"),
        ({"q": "环境", "sort": "random"}, "sort"),
        ({"q": "环境", "tag": "标" * 101}, "tag"),
        ({"q": "-环境"}, "至少需要一个"),
        ({"q": "学" * 300}, "过长"),
    ],
)
def test_bad_parameters_get_a_400_with_a_clear_message(client, library, params, message):
    response = api(client, **params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_odd_but_valid_queries_never_fail(client, library):
    for q in ['"', '""', "-", "- -", "((", "*", "环境 OR 法治", "AND", "\\", "%", '学习 "未闭合']:
        response = api(client, q=q)
        assert response.status_code in (200, 400), q
        assert "error" in response.json() or "count" in response.json()


def test_a_page_past_the_end_is_empty_but_counted(client, library):
    data = api(client, q="环境保护", page="5").json()
    assert data["count"] == 2 and data["results"] == []


def test_unpublished_pages_are_not_found_even_before_the_index_catches_up(client, library):
    library["fazhi"].unpublish()  # the queued task has not run (no commit in this test)
    assert titles(api(client, q="环境保护")) == ["城市环境保护工作要点"]


def test_the_count_agrees_with_the_results_when_a_page_stopped_being_live(client, library):
    # The lost-publish race left an indexed page a draft: 「共找到 1 条」 over an empty list.
    library["lianzheng"].unpublish()  # its index task has not run (no commit in this test)
    data = api(client, q="党风廉政建设").json()
    assert data == {"count": 0, "results": []}
    data = api(client, q="环境保护", type="material").json()
    assert data["count"] == len(data["results"]) == 2


def test_a_deleted_page_still_in_the_index_is_neither_counted_nor_listed(
    client, library, django_capture_on_commit_callbacks
):
    library["fazhi"].delete()
    with django_capture_on_commit_callbacks() as callbacks:
        data = api(client, q="环境保护").json()
    assert data["count"] == 1 and titles_of(data) == ["城市环境保护工作要点"]
    from django.conf import settings

    if settings.SEARCH_BACKEND in ("", "whoosh"):
        # whoosh's index is written after commit: the stale entry found by the search is queued for removal.
        # (PostgreSQL's index rows go in the deleting transaction: there is no stale entry to find.)
        assert callbacks, "the stale index entry is queued for removal"


def test_the_search_page_count_matches_its_list(client, library):
    library["huanjing"].unpublish()
    html = client.get("/search/", {"q": "环境保护"}).content.decode()
    assert "共找到 <strong>1</strong> 条" in html
    assert "城市环境保护工作要点" not in html


def titles_of(data: dict) -> list[str]:
    return [r["title"] for r in data["results"]]


class TestPrivacy:
    @pytest.fixture
    def restricted(self, library):
        group = Group.objects.create(name="纪检干部")
        restriction = PageViewRestriction.objects.create(
            page=library["lianzheng"], restriction_type=PageViewRestriction.GROUPS
        )
        restriction.groups.add(group)
        login_only = PageViewRestriction.objects.create(
            page=library["huanjing"], restriction_type=PageViewRestriction.LOGIN
        )
        return group, restriction, login_only

    def test_anonymous_visitors_do_not_find_restricted_pages(self, client, restricted):
        assert titles(api(client, q="党风廉政建设")) == []
        assert titles(api(client, q="环境保护")) == ["生态环境保护法治读本"]

    def test_a_logged_in_user_outside_the_group_finds_only_login_restricted_pages(self, client, restricted):
        client.force_login(make_user("outsider"))
        assert titles(api(client, q="党风廉政建设")) == []
        assert sorted(titles(api(client, q="环境保护"))) == ["城市环境保护工作要点", "生态环境保护法治读本"]

    def test_a_group_member_finds_the_group_restricted_page(self, client, restricted):
        group = restricted[0]
        user = make_user("insider")
        user.groups.add(group)
        client.force_login(user)
        assert titles(api(client, q="党风廉政建设")) == ["关于加强党风廉政建设的学习材料"]

    def test_password_restricted_pages_need_the_password_first(self, client, library):
        restriction = PageViewRestriction.objects.create(
            page=library["fazhi"], restriction_type=PageViewRestriction.PASSWORD, password="xuexi"
        )
        assert titles(api(client, q="刑法")) == []
        session = client.session
        session[PageViewRestriction.passed_view_restrictions_session_key] = [restriction.id]
        session.save()
        assert titles(api(client, q="刑法")) == ["生态环境保护法治读本"]

    def test_the_search_page_hides_them_too(self, client, restricted):
        response = client.get("/search/", {"q": "党风廉政建设"})
        assert response.status_code == 200
        assert "关于加强党风廉政建设的学习材料" not in response.content.decode()

    def test_the_privacy_check_costs_a_constant_number_of_queries(
        self, client, restricted, library, django_assert_max_num_queries
    ):
        user = make_user("counted")
        client.force_login(user)
        for page in library.values():
            PageViewRestriction.objects.get_or_create(page=page, restriction_type=PageViewRestriction.LOGIN)
        from django.conf import settings

        # The privacy restrictions and the unpublished pages come in one query. The PostgreSQL backend's
        # search is itself SQL: one more round trip than whoosh's file index (the planner setting and the
        # hits' stored fields travel with the ranking).
        with django_assert_max_num_queries(7 if settings.SEARCH_BACKEND in ("", "whoosh") else 8):
            client.get("/api/search", {"q": "环境保护"})


def test_the_search_page_shows_count_highlights_and_filters(client, library):
    response = client.get("/search/", {"q": "环境保护"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "共找到 <strong>2</strong> 条" in html
    assert "<mark>环境保护</mark>" in html
    assert 'name="type"' in html and 'name="year"' in html and 'name="tag"' in html
    assert "理论学习资料" in html


def test_an_empty_result_suggests_a_correction_and_the_parts_that_match(client, library):
    response = client.get("/search/", {"q": "党风廉正建设"})
    html = response.content.decode()
    assert "没有找到" in html
    assert "党风廉政建设" in html  # the correction
    response = client.get("/search/", {"q": "环境保护 三会一课"})
    html = response.content.decode()
    assert "分别检索" in html and "（2 条）" in html and "（1 条）" in html


def test_the_search_page_explains_a_bad_query(client, library):
    response = client.get("/search/", {"q": "环境", "year": "abc"})
    assert response.status_code == 400
    assert "年份" in response.content.decode()


def test_the_search_page_without_a_query_shows_the_form(client, library):
    response = client.get("/search/")
    assert response.status_code == 200
    assert 'name="q"' in response.content.decode()


def test_the_navigation_links_to_search(client, library):
    assert 'href="/search/">搜索</a>' in client.get("/search/").content.decode()
