"""The dashboard's pool of open stores: reused between requests, as fresh as a new one (writes from
another connection are seen at once), never reused after a failure or once the file was replaced,
and bounded."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from forcewatch.app.workspace import STORE_NAME, open_workspace
from forcewatch.serve.store_pool import StorePool, workspace_pool
from forcewatch.store.base import Store


def _user_names(store: Store) -> set[str]:
    return {u.name for u in store.users()}


def test_a_store_given_back_is_lent_again(workspace: Path) -> None:
    pool = workspace_pool(workspace, None)
    with pool.borrow() as first:
        assert "vera" in _user_names(first)
    with pool.borrow() as again:
        assert again is first
    assert pool.opened == 1 and pool.idle() == 1
    pool.close()


def test_stores_lent_at_the_same_time_are_different_and_the_idle_ones_bounded(workspace: Path) -> None:
    pool = workspace_pool(workspace, None, max_idle=2)
    lent: list[Store] = []
    inside = threading.Barrier(4)

    def borrow() -> None:
        with pool.borrow() as store:
            lent.append(store)
            inside.wait()  # all four hold one at once
            store.users()

    threads = [threading.Thread(target=borrow) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(s) for s in lent}) == 4 and pool.opened == 4
    assert pool.idle() == 2  # the two others were closed on return
    pool.close()


def test_a_reused_store_sees_what_another_process_wrote(workspace: Path) -> None:
    pool = workspace_pool(workspace, None)
    with pool.borrow() as store:
        assert "vera" in _user_names(store)
    with open_workspace(workspace) as other, other.transaction():  # e.g. `forcewatch user remove` meanwhile
        other.remove_user("vera")
    with pool.borrow() as store:
        assert pool.opened == 1 and "vera" not in _user_names(store)
    pool.close()


def test_a_store_is_not_reused_after_a_request_failed_with_it(workspace: Path) -> None:
    pool = workspace_pool(workspace, None)
    with pytest.raises(RuntimeError), pool.borrow() as broken:
        raise RuntimeError("the request failed")
    with pool.borrow() as store:
        assert store is not broken and "vera" in _user_names(store)
    assert pool.opened == 2
    pool.close()


def test_a_replaced_store_file_is_opened_anew(workspace: Path, tmp_path: Path) -> None:
    pool = workspace_pool(workspace, None)
    with pool.borrow() as old:
        assert "vera" in _user_names(old)
    copy = tmp_path / "copy.gpkg"
    shutil.copy(workspace / STORE_NAME, copy)
    with open_workspace(workspace) as store, store.transaction():
        store.remove_user("vera")
    shutil.copy(copy, tmp_path / "restored.gpkg")
    (tmp_path / "restored.gpkg").replace(workspace / STORE_NAME)  # restored from a copy: another inode
    with pool.borrow() as fresh:
        assert fresh is not old and "vera" in _user_names(fresh)
    pool.close()


def test_a_closed_pool_keeps_nothing(workspace: Path) -> None:
    opened: list[Store] = []

    def opener() -> Store:
        opened.append(open_workspace(workspace))
        return opened[-1]

    pool = StorePool(opener)
    with pool.borrow():
        pool.close()
    assert pool.idle() == 0
    with pool.borrow():
        pass
    assert pool.idle() == 0 and len(opened) == 2
