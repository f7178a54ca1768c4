//! The locker system: locker users with one email, a badge extension and read-only user
//! groups whose members are never returned.
