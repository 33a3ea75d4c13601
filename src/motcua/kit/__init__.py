"""Small framework-free helpers shared by every domain package."""
