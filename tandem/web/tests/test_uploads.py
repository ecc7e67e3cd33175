import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.core.handlers.wsgi import WSGIRequest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core.tests import hostile
from tandem.web.uploads import LimitedUploadHandler, own_name, upload_problem


def test_only_the_files_own_name_is_kept() -> None:
    assert own_name(r"C:\Users\Учитель\Отчёт.docx") == "Отчёт.docx"
    assert own_name("../../etc/passwd") == "passwd"
    assert own_name(None) == ""
    assert own_name("а" * 300 + ".pdf", 10) == "аааааа.pdf"


@given(st.text())
def test_a_kept_name_never_carries_a_separator(name: str) -> None:
    kept = own_name(name)
    assert "/" not in kept and "\\" not in kept and len(kept) <= 200


def test_size_and_type_are_checked() -> None:
    ok = SimpleUploadedFile("план.PDF", b"%PDF-1.4")
    assert upload_problem(ok, max_mb=1) is None
    big = SimpleUploadedFile("план.pdf", b"x" * (1024 * 1024 + 1))
    assert upload_problem(big, max_mb=1) == "Файл больше 1 МБ."
    script = SimpleUploadedFile("план.pdf.exe", b"MZ")
    problem = upload_problem(script, max_mb=1)
    assert problem is not None and problem.startswith("Такой тип файла не принимается")


# -- the content, not only the extension ------------------------------------------------
def _docx() -> bytes:
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


def test_the_content_must_be_what_the_extension_says() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    xlsx = hostile.table_xlsx(["a", "b"], [["1", "2"]])
    fine = [("фото.png", png), ("план.pdf", b"%PDF-1.7\n"), ("отчёт.docx", _docx()),
            ("таблица.xlsx", xlsx), ("заметка.txt", "текст".encode()),
            ("старый.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)]
    for name, content in fine:
        assert upload_problem(SimpleUploadedFile(name, content), max_mb=1) is None, name
    renamed = [("план.pdf", png), ("отчёт.docx", b"MZ\x90\0"), ("отчёт.docx", xlsx),
               ("таблица.xlsx", _docx()), ("фото.jpg", b"%PDF-1.4"),
               ("заметка.txt", b"MZ\x90\0\0\0"), ("таблица.xlsx", xlsx[:200])]
    for name, content in renamed:
        problem = upload_problem(SimpleUploadedFile(name, content), max_mb=1)
        assert problem is not None and problem.startswith("Содержимое файла не похоже на"), name


# -- the size, while the body streams in --------------------------------------------------
class _Counting(io.BytesIO):
    """A request body that counts what the server has read of it."""

    taken = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data


def _post(size: int, *, limit_mb: int | None = None) -> tuple[WSGIRequest, _Counting]:
    boundary = "тест".encode().hex()
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + b"x" * size + f"\r\n--{boundary}--\r\n".encode()
    stream = _Counting(body)
    request = WSGIRequest({"REQUEST_METHOD": "POST", "wsgi.input": stream,
                           "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
                           "CONTENT_LENGTH": str(len(body)), "SERVER_NAME": "testserver",
                           "SERVER_PORT": "80", "PATH_INFO": "/"})
    if limit_mb is not None:
        request.upload_limit_mb = limit_mb  # type: ignore[attr-defined]
    return request, stream


def test_a_body_over_the_limit_is_refused_before_it_is_read(settings: object) -> None:
    request, stream = _post(30 * 1024 * 1024, limit_mb=1)
    assert "file" not in request.FILES
    # Refused by its declared length as the file began: the fields before it were read,
    # the 30 MB were not.
    assert stream.taken < 512 * 1024
    assert request.upload_refused  # type: ignore[attr-defined]


def test_a_body_that_lies_about_its_length_is_cut_as_it_arrives() -> None:
    handler = LimitedUploadHandler()
    handler.limit = 1024
    handler.receive_data_chunk(b"x" * 1000, 0)
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 1000, 1000)


def test_a_body_within_the_limit_is_received(settings: object) -> None:
    request, _stream = _post(100 * 1024, limit_mb=1)
    assert request.FILES["file"].size == 100 * 1024  # type: ignore[union-attr]


def test_the_handler_is_installed_and_caps_at_the_largest_form() -> None:
    from django.conf import settings

    assert settings.FILE_UPLOAD_HANDLERS[0] == "tandem.web.uploads.LimitedUploadHandler"
    assert settings.UPLOAD_MAX_MB >= 20  # school materials take 20 MB
