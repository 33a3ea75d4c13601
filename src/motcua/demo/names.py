"""Vietnamese personal names drawn deterministically, with realistic surname frequencies."""

from __future__ import annotations

import random

# Approximate shares of the most common surnames in Vietnam.
SURNAMES = [
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Phan", 4), ("Vũ", 4), ("Đặng", 2),
    ("Bùi", 2), ("Đỗ", 2), ("Hồ", 1), ("Ngô", 1), ("Dương", 1), ("Lý", 1), ("Hà", 1), ("Đinh", 1), ("Tạ", 1),
    ("Cao", 1), ("Lương", 1), ("Trịnh", 1),
]
MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Thanh", "Anh", "Tiến"]
MIDDLE_FEMALE = ["Thị", "Thu", "Thanh", "Ngọc", "Minh", "Phương", "Thùy", "Hồng", "Kim", "Mai"]
GIVEN_MALE = ["Hùng", "Dũng", "Tuấn", "Nam", "Long", "Sơn", "Hải", "Thắng", "Cường", "Quân", "Đức", "Hiếu",
              "Trung", "Phong", "Khánh", "Tùng", "Bình", "Thành", "Việt", "Hoàng"]
GIVEN_FEMALE = ["Lan", "Hương", "Hoa", "Thảo", "Trang", "Linh", "Hà", "Ngọc", "Yến", "Nhung", "Huyền", "Mai",
                "Vân", "Loan", "Dung", "Phương", "Hằng", "Oanh", "Thủy", "Nga"]


def person_name(rng: random.Random) -> str:
    surname = rng.choices([s for s, _ in SURNAMES], weights=[w for _, w in SURNAMES])[0]
    if rng.random() < 0.5:
        return f"{surname} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    return f"{surname} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"
