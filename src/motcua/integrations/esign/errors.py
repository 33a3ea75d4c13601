"""Why a signature was refused, in Vietnamese for the leader in front of the screen.

Every refusal happens before anything is returned: ``sign_pdf`` and ``finish_remote`` either give back the whole
signed file or raise one of these, so a half-signed result can never be stored (Decree 118/2025 Art. 22: the
electronic result has the legal value of the paper one only once validly signed).
"""

from __future__ import annotations

from motcua.kit.errors import MotcuaError


class SigningRefused(MotcuaError):
    """The common parent: a signature could not be made; nothing was produced."""

    status_code = 422
    code = "signing_refused"
    default_message = "Không ký được văn bản. Văn bản chưa được ký."


class WrongPin(SigningRefused):
    status_code = 403
    code = "signing_wrong_pin"
    default_message = ("Mã PIN của thiết bị ký số không đúng. Văn bản chưa được ký; vui lòng nhập lại mã PIN "
                       "(thiết bị có thể bị khóa nếu nhập sai nhiều lần).")


class TokenAbsent(SigningRefused):
    status_code = 409
    code = "signing_token_absent"
    default_message = ("Không tìm thấy thiết bị ký số (USB token) hoặc thiết bị đã bị rút ra trong khi ký. "
                       "Văn bản chưa được ký; vui lòng cắm lại thiết bị và ký lại.")


class RemoteRefused(SigningRefused):
    status_code = 409
    code = "signing_remote_refused"
    default_message = ("Yêu cầu ký số từ xa đã bị từ chối trên ứng dụng ký số của người ký. Văn bản chưa được ký.")


class RemoteTimedOut(SigningRefused):
    status_code = 408
    code = "signing_remote_timed_out"
    default_message = ("Yêu cầu ký số từ xa đã hết hạn mà người ký chưa xác nhận trên ứng dụng. Văn bản chưa được "
                       "ký; vui lòng gửi lại yêu cầu ký.")


class RemoteUnavailable(SigningRefused):
    status_code = 503
    code = "signing_remote_unavailable"
    default_message = "Không kết nối được dịch vụ ký số từ xa. Văn bản chưa được ký; vui lòng thử lại sau."


class RemotePendingYet(SigningRefused):
    """Not a refusal: the signer has not answered on the phone yet; ask again later."""

    status_code = 202
    code = "signing_remote_pending"
    default_message = "Đang chờ người ký xác nhận trên ứng dụng ký số."


class CertificateExpired(SigningRefused):
    code = "signing_certificate_expired"
    default_message = ("Chứng thư số của người ký đã hết hạn (hoặc chưa đến ngày có hiệu lực). Văn bản chưa được "
                       "ký; vui lòng gia hạn chứng thư số với tổ chức cung cấp dịch vụ chứng thực chữ ký số.")


class CertificateRevoked(SigningRefused):
    code = "signing_certificate_revoked"
    default_message = ("Chứng thư số của người ký đã bị thu hồi. Văn bản chưa được ký; vui lòng liên hệ tổ chức "
                       "cung cấp dịch vụ chứng thực chữ ký số.")


class RevocationUnavailable(SigningRefused):
    status_code = 503
    code = "signing_revocation_unavailable"
    default_message = ("Không kiểm tra được tình trạng thu hồi của chứng thư số (máy chủ OCSP/CRL không trả lời). "
                       "Văn bản chưa được ký; vui lòng thử lại sau.")


class TimestampUnavailable(SigningRefused):
    status_code = 503
    code = "signing_tsa_unavailable"
    default_message = ("Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA). Văn bản chưa được ký; "
                       "vui lòng thử lại sau.")


class CertificateUnusable(SigningRefused):
    code = "signing_certificate_unusable"
    default_message = ("Chứng thư số hoặc khóa bí mật không dùng được để ký (sai mật khẩu tệp, thiếu khóa hoặc "
                       "không có quyền ký). Văn bản chưa được ký.")


class DocumentUnsignable(SigningRefused):
    code = "signing_document_invalid"
    default_message = "Tệp PDF không hợp lệ hoặc không thể ký thêm. Văn bản chưa được ký."
