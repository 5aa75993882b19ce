"""Attachments out of e-mails saved from a mail client: ``.eml`` (one message) and ``.mbox`` (many).

Offices receive returns as attachments; a clerk can drag the saved mail onto the page instead of
saving each attachment by hand. perfxl's own ``archives`` module reads folders and zips; e-mail is
read here with the standard library (``email`` with the modern policy, ``mailbox``).

What Chinese mail clients write is not always what the RFCs say: attachment names come as RFC 2231
parameters, as RFC 2047 encoded words inside a quoted parameter (Foxmail, older Outlook), or as raw
GBK bytes. Each is decoded (GB2312 and GBK read as GB18030, their superset); a name that still cannot
be decoded is shown with replacement characters, never dropped. A part that is the message's text
(a text part without a name that is not marked as an attachment) and pictures embedded in an HTML
body are the mail itself, not files sent; every other part is an attachment. A forwarded message
attached to a mail is opened, and its attachments are taken too.

Nothing is written here: the caller stores the bytes. Limits keep a hostile mail from filling the
disk: each attachment at most ``MAX_ATTACHMENT_BYTES`` (the reader's own ceiling), all attachments of
one upload at most ``max_total`` bytes, at most ``MAX_MESSAGES`` messages in an mbox. An attachment
over a limit is listed with its reason, never silently dropped.
"""
from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import mailbox
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from pathlib import Path, PurePosixPath
from typing import Iterator

from ..archives import MAX_ENTRY_BYTES
from ..i18n import t

__all__ = ["Attachment", "Mail", "MAIL_SUFFIXES", "mail_kind", "read_eml", "read_mbox", "MAX_ATTACHMENT_BYTES",
           "MAX_MESSAGES", "looks_like_mail"]

MAX_ATTACHMENT_BYTES = MAX_ENTRY_BYTES
MAX_MESSAGES = 5000
MAIL_SUFFIXES = {".eml": "eml", ".mbox": "mbox", ".mbx": "mbox"}
_CHINESE = ("gb18030",)
_TYPE_SUFFIX = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls", "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods", "application/zip": ".zip",
    "application/x-zip-compressed": ".zip", "application/json": ".json", "text/csv": ".csv",
    "application/pdf": ".pdf", "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


@dataclass
class Attachment:
    """One file sent in a mail: its bytes, or why they were not taken."""

    name: str
    data: bytes | None
    problem: str | None = None
    problem_en: str | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0


@dataclass
class Mail:
    """One message: who sent it, and what it carried."""

    sender: str | None = None
    subject: str | None = None
    date: str | None = None
    attachments: list[Attachment] = field(default_factory=list)


def mail_kind(name: str) -> str | None:
    """"eml" or "mbox" when the file's name says it is a saved mail, else None."""
    return MAIL_SUFFIXES.get(PurePosixPath(name.replace("\\", "/")).suffix.lower())


def _fix_text(text: str) -> str:
    """A header text decoded: encoded words a client left inside quotes, raw bytes read as GB18030."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        raw = text.encode("utf-8", "surrogateescape")
        for enc in ("utf-8", *_CHINESE):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            text = raw.decode("gb18030", "replace")
    if "=?" in text and "?=" in text:
        parts = []
        for chunk, charset in email.header.decode_header(text):
            if isinstance(chunk, bytes):
                parts.append(_decode_bytes(chunk, charset))
            else:
                parts.append(chunk)
        text = "".join(parts)
    return "".join(ch for ch in text if ch >= " " and ch != "\x7f").strip()


def _decode_bytes(data: bytes, charset: str | None) -> str:
    charset = (charset or "utf-8").lower()
    if charset in ("gb2312", "gbk", "x-gbk", "cp936", "euc-cn"):
        charset = "gb18030"
    for enc in (charset, "utf-8", *_CHINESE):
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", "replace")


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a malformed header is "unknown", not the end of the mail
        return None
    return _fix_text(str(value)) if value is not None else None


def _sender(msg: Message) -> str | None:
    raw = _header(msg, "From")
    if not raw:
        return None
    name, addr = email.utils.parseaddr(raw)
    if name and addr:
        return f"{name} <{addr}>"
    return addr or name or raw


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - a broken parameter: fall back to the raw one below
        name = None
    if name is None:
        name = part.get_param("name", header="content-type")
        if isinstance(name, tuple):  # RFC 2231 (charset, language, value)
            name = email.utils.collapse_rfc2231_value(name)
    if not name or "\ufffd" in str(name):
        name = _raw_filename(part) or name
    if not name:
        return None
    name = _fix_text(str(name))
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip() or None


_RAW_NAME = re.compile(r'(?i)\b(?:file)?name\*?="?([^";\r\n]+)"?')


def _raw_filename(part: Message) -> str | None:
    """The name as the header's raw bytes hold it (a client that wrote GBK bytes unencoded: the parser
    read them as UTF-8 and replaced what did not fit)."""
    for header in ("Content-Disposition", "Content-Type"):
        for key, value in part.raw_items():
            if key.lower() == header.lower():
                m = _RAW_NAME.search(str(value))
                if m:
                    return m.group(1)
    return None


def _is_body(part: Message, name: str | None) -> bool:
    """The message's own text, or a picture embedded in it (not a file the sender attached)."""
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment":
        return False
    if name is None and part.get_content_maintype() == "text":
        return True
    return name is None and disposition == "inline" and part.get("Content-ID") is not None


def _payload(part: Message) -> bytes | None:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - a damaged transfer encoding
        return None
    return data if isinstance(data, bytes) else None


def _attachments(msg: Message, budget: list[int]) -> Iterator[Attachment]:
    counter = 0
    for part in msg.walk():
        if part.is_multipart() or part.get_content_type() == "message/rfc822":
            continue  # walk() goes into attached messages; their parts come next
        name = _filename(part)
        if _is_body(part, name):
            continue
        counter += 1
        if name is None:
            name = t(f"附件{counter}", f"attachment{counter}") + _TYPE_SUFFIX.get(part.get_content_type(), ".bin")
        data = _payload(part)
        if data is None:
            yield Attachment(name, None, "附件的编码已损坏，无法取出", "the attachment's encoding is damaged")
        elif len(data) > MAX_ATTACHMENT_BYTES:
            yield Attachment(name, None, f"附件过大（{len(data)} 字节），超过单个文件上限 {MAX_ATTACHMENT_BYTES // (1 << 20)} MB",
                             f"the attachment is too large ({len(data)} bytes); the limit is "
                             f"{MAX_ATTACHMENT_BYTES // (1 << 20)} MB")
        elif len(data) > budget[0]:
            yield Attachment(name, None, "本次上传的邮件附件总量已达上限，此附件未取出；请分批上传",
                             "the attachments of this upload reached their size limit; upload in smaller batches")
        else:
            budget[0] -= len(data)
            yield Attachment(name, data)


def _message(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def read_eml(data: bytes, *, max_total: int = 1 << 30) -> Mail:
    """One saved message: its sender, subject, date and attachments (with their problems)."""
    return _mail(_message(data), [max_total])


def _mail(msg: Message, budget: list[int]) -> Mail:
    return Mail(sender=_sender(msg), subject=_header(msg, "Subject"), date=_header(msg, "Date"),
                attachments=list(_attachments(msg, budget)))


def read_mbox(path: str | Path, *, max_total: int = 1 << 30) -> Iterator[Mail]:
    """Every message of an mbox file, in order; at most ``MAX_MESSAGES``."""
    box = mailbox.mbox(str(path), create=False)
    budget = [max_total]
    try:
        for n, key in enumerate(box.iterkeys()):
            if n >= MAX_MESSAGES:
                yield Mail(attachments=[Attachment(t("（其余邮件）", "(the other messages)"), None,
                                                   f"邮件归档中超过 {MAX_MESSAGES} 封邮件，其余未读取",
                                                   f"more than {MAX_MESSAGES} messages; the rest were not read")])
                return
            yield _mail(_message(box.get_bytes(key)), budget)
    finally:
        box.close()


def looks_like_mail(data: bytes) -> bool:
    """True when the bytes start like a message (headers), for a file called .eml that is not one."""
    head = data[:4096].lstrip()
    return bool(re.match(rb"(?i)(?:[!-9;-~]+:[^\r\n]*\r?\n)+", head))
