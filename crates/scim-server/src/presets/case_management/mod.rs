//! The case-management app: users searchable on a few attributes, authorization profiles
//! as groups that gain and lose members by PATCH only, over the app's own relational tables.
