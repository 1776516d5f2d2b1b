"""The audit log: who saw and did what, and when."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from .models import AuditEntry, User

# What each action means, for the admin's page; an action not named here shows as it is.
ACTIONS = {
    "login": "로그인", "logout": "로그아웃", "login_failed": "로그인 실패", "login_throttled": "로그인 제한",
    "view_inbox": "알림함 열람", "view_alert": "알림 열람", "view_residents": "주민 목록 열람",
    "view_resident": "주민 정보 열람", "view_admin": "관리 화면 열람", "view_audit": "감사 기록 열람",
    "acknowledge_alert": "알림 확인", "note_alert": "알림 메모", "resolve_alert": "알림 처리",
    "review_summary": "요약 읽음", "cancellation_request": "어르신 취소 요청",
    "cancellation_request_attached": "취소 요청 연결", "add_user": "사용자 추가", "activate_user": "사용자 활성화",
    "deactivate_user": "사용자 비활성화", "add_resident": "주민 추가", "set_thresholds": "활동 기준 변경",
    "assign": "담당 배정", "unassign": "담당 해제", "add_device": "기기 등록", "revoke_device": "기기 해지",
    "export_resident": "주민 정보 내보내기", "erase_resident": "주민 정보 삭제",
}


def record(session: Session, now: dt.datetime, user: User | None, action: str, target: str = "",
           detail: str = "", by: str = "system") -> None:
    """`by` names who acted when no signed-in person did: the hub itself, or a device."""
    session.add(AuditEntry(at=now, user_id=user.id if user else None, username=user.username if user else by,
                           action=action, target=target, detail=detail))
