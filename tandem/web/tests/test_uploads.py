from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from tandem.web.uploads import own_name, upload_problem


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
