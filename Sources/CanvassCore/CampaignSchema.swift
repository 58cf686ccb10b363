/// The collections of a campaign, as the server serves them and the CLI writes them.
public enum CampaignSchema {
    public static let parties = ["DEM", "REP", "IND", "LIB", "GRN", "NPA", "OTH"]
    /// What a campaign is for (`canvass campaign create --type`).
    public static let campaignTypes = [
        "election", "persuasion", "gotv", "voter_registration", "fundraising", "advocacy", "petition", "event",
        "other",
    ]
    public static let campaignStatuses = ["planned", "active", "completed", "cancelled"]
    /// A ballot's state in a vote-history or ballot-return file.
    public static let ballotStatuses = ["requested", "sent", "returned", "accepted", "rejected", "voted"]
    /// An answer to an event invitation.
    public static let rsvpAnswers = ["yes", "no", "maybe"]

    public static let standard = Schema([
        CollectionSpec(
            name: "campaigns",
            fields: [
                FieldSpec("name", .string, maxLength: 200), FieldSpec("description", .text),
                FieldSpec("type", .choice, options: campaignTypes),
                FieldSpec("status", .choice, options: campaignStatuses),
                FieldSpec("start_date", .date), FieldSpec("end_date", .date),
                FieldSpec("parent_id", .reference, target: "campaigns"),
                FieldSpec("goal_doors", .integer, minimum: 0), FieldSpec("goal_contacts", .integer, minimum: 0),
                // Money is integer cents, never floating point (`Money`).
                FieldSpec("goal_revenue_cents", .integer, minimum: 0),
                // The IANA zone its days, list windows and reports are read in ("America/New_York").
                FieldSpec("time_zone", .string, maxLength: 64),
            ],
            creatableBy: .coordinator),
        CollectionSpec(
            name: "households",
            fields: [
                FieldSpec("street_number", .integer, minimum: 0), FieldSpec("street_name", .string, maxLength: 200),
                FieldSpec("unit", .string, maxLength: 50), FieldSpec("city", .string, maxLength: 100),
                FieldSpec("state", .string, maxLength: 2), FieldSpec("zip", .string, maxLength: 10),
                FieldSpec("latitude", .number, minimum: -90, maximum: 90),
                FieldSpec("longitude", .number, minimum: -180, maximum: 180),
                FieldSpec("precinct", .string, maxLength: 20), FieldSpec("ward", .integer, minimum: 0),
                FieldSpec("bad_address", .boolean, writableBy: .canvasser),
                // "B" of 12B, "1/2" of 12 1/2 (`Address`); the campaign whose import brought it.
                FieldSpec("number_suffix", .string, maxLength: 10),
                FieldSpec("campaign_id", .reference, target: "campaigns"),
            ],
            creatableBy: .coordinator),
        CollectionSpec(
            name: "contacts",
            fields: [
                FieldSpec("voter_id", .string, maxLength: 40),
                FieldSpec("household_id", .reference, target: "households"),
                FieldSpec("campaign_id", .reference, target: "campaigns"),
                FieldSpec("first_name", .string, maxLength: 100), FieldSpec("middle_name", .string, maxLength: 100),
                FieldSpec("last_name", .string, maxLength: 100), FieldSpec("suffix", .string, maxLength: 20),
                FieldSpec("phone", .string, maxLength: 40, writableBy: .canvasser),
                FieldSpec("email", .string, maxLength: 200, writableBy: .canvasser),
                FieldSpec("party", .choice, options: parties), FieldSpec("precinct", .string, maxLength: 20),
                FieldSpec("ward", .integer, minimum: 0),
                FieldSpec("birth_year", .integer, minimum: 1880, maximum: 2100),
                FieldSpec("gender", .string, maxLength: 20), FieldSpec("registration_date", .date),
                FieldSpec("vote_history", .string, maxLength: 400),
                FieldSpec("engagement_level", .integer, minimum: 1, maximum: 5),
                // Points automation adds and removes (`engagement_points` action), apart from the level.
                FieldSpec("engagement_points", .integer),
                FieldSpec("language", .string, maxLength: 40, writableBy: .canvasser),
                FieldSpec("do_not_contact", .boolean, writableBy: .canvasser),
                // Set by the unsubscribe link of a campaign email (`MailingRecipients` leaves them out).
                FieldSpec("do_not_email", .boolean),
                FieldSpec("do_not_call", .boolean, writableBy: .canvasser),
                FieldSpec("do_not_knock", .boolean, writableBy: .canvasser),
                FieldSpec("phone_bad", .boolean, writableBy: .canvasser),
                FieldSpec("moved", .boolean, writableBy: .canvasser),
                FieldSpec("deceased", .boolean, writableBy: .canvasser),
                FieldSpec("voted", .boolean, writableBy: .canvasser),
                // From imported ballot-return files (`Gotv`): voted counts `returned`, `accepted` and `voted`.
                FieldSpec("ballot_status", .choice, options: ballotStatuses),
                FieldSpec("notes", .text, writableBy: .canvasser),
            ],
            creatableBy: .coordinator),
        CollectionSpec(
            name: "surveys",
            fields: [
                FieldSpec("title", .string, maxLength: 200),
                FieldSpec("kind", .choice, options: ["canvass", "phone", "petition"]),
                FieldSpec("campaign_id", .reference, target: "campaigns"), FieldSpec("definition", .json),
            ],
            creatableBy: .coordinator),
        CollectionSpec(
            name: "lists",
            fields: [
                FieldSpec("name", .string, maxLength: 200), FieldSpec("kind", .choice, options: ["walk", "call"]),
                FieldSpec("campaign_id", .reference, target: "campaigns"),
                FieldSpec("survey_id", .reference, target: "surveys"),
                FieldSpec("description", .text),
                // The hours results may be recorded in, "HH:MM" in the campaign's time zone; a
                // result outside them flags the shift for review (`ShiftReview`).
                FieldSpec("window_start", .string, maxLength: 5), FieldSpec("window_end", .string, maxLength: 5),
            ],
            creatableBy: .coordinator),
        CollectionSpec(
            name: "list_items",
            fields: [
                FieldSpec("list_id", .reference, target: "lists"),
                FieldSpec("contact_id", .reference, target: "contacts"),
                FieldSpec("household_id", .reference, target: "households"),
                FieldSpec("position", .integer, minimum: 0),
            ],
            creatableBy: .coordinator),
        CollectionSpec(
            name: "assignments",
            fields: [FieldSpec("list_id", .reference, target: "lists"), FieldSpec("user_id", .string, maxLength: 64)],
            creatableBy: .coordinator),
        // Static groups and their members (one record per membership, removed with its `deleted`
        // register), and segments defined by criteria (`Criteria`): coordinators only, outside
        // every canvasser's scope.
        CollectionSpec(
            name: "groups",
            fields: [
                FieldSpec("name", .string, maxLength: 200), FieldSpec("campaign_id", .reference, target: "campaigns"),
                FieldSpec("description", .text),
            ],
            creatableBy: .coordinator),
        CollectionSpec(
            name: "group_members",
            fields: [
                FieldSpec("group_id", .reference, target: "groups"),
                FieldSpec("contact_id", .reference, target: "contacts"),
            ],
            creatableBy: .coordinator),
        CollectionSpec(
            name: "segments",
            fields: [
                FieldSpec("name", .string, maxLength: 200), FieldSpec("campaign_id", .reference, target: "campaigns"),
                FieldSpec("criteria", .string, maxLength: 2000), FieldSpec("description", .text),
            ],
            creatableBy: .coordinator),
        CollectionSpec(
            name: "interactions",
            fields: [
                FieldSpec("person_id", .reference, target: "contacts", writableBy: .canvasser),
                FieldSpec("household_id", .reference, target: "households", writableBy: .canvasser),
                FieldSpec("list_id", .reference, target: "lists", writableBy: .canvasser),
                FieldSpec("survey_id", .reference, target: "surveys", writableBy: .canvasser),
                FieldSpec("channel", .choice, options: ["door", "call"], writableBy: .canvasser),
                FieldSpec("result", .string, maxLength: 40, writableBy: .canvasser),
                FieldSpec("answers", .json, maxLength: 16_384, writableBy: .canvasser),
                FieldSpec("note", .text, writableBy: .canvasser),
                FieldSpec("recorded_at", .timestamp, writableBy: .canvasser),
                FieldSpec("user_id", .string, maxLength: 64, writableBy: .canvasser),
                // A shift's correction of an interaction already synced (write-once): the new
                // interaction names the one it corrects; being the latest, it decides done-ness.
                FieldSpec("corrects", .reference, target: "interactions", writableBy: .canvasser),
            ],
            creatableBy: .canvasser, deletableBy: .admin, writeOnce: true),
        // Events of a campaign, and one record per person and event (id `EVENT@CONTACT`): the
        // RSVP a coordinator took directly, and check-in or no-show at the door. RSVPs taken on
        // calls are answers to a survey's `rsvp` question (`EventTurnout` reads both).
        CollectionSpec(
            name: "events",
            fields: [
                FieldSpec("name", .string, maxLength: 200), FieldSpec("campaign_id", .reference, target: "campaigns"),
                FieldSpec("starts_at", .timestamp), FieldSpec("ends_at", .timestamp),
                FieldSpec("capacity", .integer, minimum: 0), FieldSpec("location", .string, maxLength: 400),
                FieldSpec("description", .text),
                // When `event close` recorded the no-shows.
                FieldSpec("closed_at", .timestamp),
            ],
            creatableBy: .coordinator),
        CollectionSpec(
            name: "event_attendance",
            fields: [
                FieldSpec("event_id", .reference, target: "events"),
                FieldSpec("contact_id", .reference, target: "contacts"),
                FieldSpec("rsvp", .choice, options: rsvpAnswers), FieldSpec("rsvp_at", .timestamp),
                FieldSpec("attendance", .choice, options: ["attended", "no_show"]),
                FieldSpec("checked_in_at", .timestamp), FieldSpec("user_id", .string, maxLength: 64),
            ],
            creatableBy: .coordinator),
        // Money given or promised, in integer cents.
        CollectionSpec(
            name: "donations",
            fields: [
                FieldSpec("contact_id", .reference, target: "contacts"),
                FieldSpec("campaign_id", .reference, target: "campaigns"),
                FieldSpec("amount_cents", .integer, minimum: 1), FieldSpec("pledge", .boolean),
                FieldSpec("received_on", .date),
                FieldSpec("method", .choice, options: ["cash", "check", "card", "online", "in_kind", "other"]),
                FieldSpec("note", .text), FieldSpec("recorded_at", .timestamp),
                FieldSpec("user_id", .string, maxLength: 64),
                // A payment toward a pledge names it (`Donations.outstanding`); the pledge stays as promised.
                FieldSpec("fulfils", .reference, target: "donations"),
                // The campaign email this gift answers (`MailingAttribution`).
                FieldSpec("mailing_id", .reference, target: "mailings"),
            ],
            creatableBy: .coordinator),
        // Every change of a person's engagement level, kept: when, who and why (`Engagement`).
        CollectionSpec(
            name: "engagement_changes",
            fields: [
                FieldSpec("contact_id", .reference, target: "contacts"),
                FieldSpec("campaign_id", .reference, target: "campaigns"),
                FieldSpec("level", .integer, minimum: 1, maximum: 5),
                FieldSpec("previous_level", .integer, minimum: 1, maximum: 5),
                FieldSpec("rule", .string, maxLength: 64), FieldSpec("reason", .text),
                FieldSpec("changed_at", .timestamp), FieldSpec("user_id", .string, maxLength: 64),
            ],
            creatableBy: .coordinator, writeOnce: true),
        // Quality review (`ShiftReview`): a coordinator's decision on a flagged shift (id
        // `USER@CAMPAIGN@DAY`), and a roll-back of one interaction (id = the interaction's), which
        // deletes nothing: reports leave rolled-back interactions out, and deleting the roll-back
        // record (`_deleted`) restores the interaction.
        CollectionSpec(
            name: "shift_reviews",
            fields: [
                FieldSpec("user_id", .string, maxLength: 64), FieldSpec("campaign_id", .reference, target: "campaigns"),
                FieldSpec("day", .date), FieldSpec("decision", .choice, options: ["approved", "rolled_back"]),
                FieldSpec("note", .text), FieldSpec("reviewed_by", .string, maxLength: 64),
                FieldSpec("reviewed_at", .timestamp),
            ],
            creatableBy: .coordinator),
        CollectionSpec(
            name: "rollbacks",
            fields: [
                FieldSpec("interaction_id", .reference, target: "interactions"), FieldSpec("reason", .text),
                FieldSpec("user_id", .string, maxLength: 64), FieldSpec("rolled_back_at", .timestamp),
            ],
            creatableBy: .coordinator),
        // Automation (issue 12). Rules are YAML (`AutomationDocument`) in `source`, checked on
        // every push; the server's engine runs them and writes what it did as its own replica:
        // one `automation_log` record per firing (id `RULE@PERSON@ROTATION@STEP`, the firing's
        // unique key) and one `automation_deliveries` record per webhook or email in its outbox.
        CollectionSpec(
            name: "automation_rules",
            fields: [
                FieldSpec("campaign_id", .reference, target: "campaigns"), FieldSpec("name", .string, maxLength: 200),
                FieldSpec("source", .text, maxLength: 65_536), FieldSpec("paused", .boolean),
                FieldSpec("added_by", .string, maxLength: 64), FieldSpec("added_at", .timestamp),
            ],
            creatableBy: .coordinator),
        CollectionSpec(
            name: "automation_log",
            fields: [
                FieldSpec("rule_id", .reference, target: "automation_rules", writableBy: .admin),
                FieldSpec("campaign_id", .reference, target: "campaigns", writableBy: .admin),
                FieldSpec("contact_id", .reference, target: "contacts", writableBy: .admin),
                FieldSpec("rotation", .integer, minimum: 1, writableBy: .admin),
                FieldSpec("step", .string, maxLength: 64, writableBy: .admin),
                FieldSpec("outcome", .choice, options: ["fired", "skipped"], writableBy: .admin),
                FieldSpec("path", .choice, options: ["yes", "no"], writableBy: .admin),
                FieldSpec("due_at", .timestamp, writableBy: .admin),
                FieldSpec("fired_at", .timestamp, writableBy: .admin),
                FieldSpec("reason", .text, writableBy: .admin), FieldSpec("actions", .json, writableBy: .admin),
            ],
            creatableBy: .admin, deletableBy: .admin, serverOnly: true),
        CollectionSpec(
            name: "automation_deliveries",
            fields: [
                FieldSpec("kind", .choice, options: ["webhook", "email"], writableBy: .admin),
                // The firing (`automation_log` id) or the mailing that made it.
                FieldSpec("firing", .string, maxLength: 400, writableBy: .admin),
                FieldSpec("mailing_id", .reference, target: "mailings", writableBy: .admin),
                FieldSpec("campaign_id", .reference, target: "campaigns", writableBy: .admin),
                FieldSpec("contact_id", .reference, target: "contacts", writableBy: .admin),
                FieldSpec("target", .string, maxLength: 2000, writableBy: .admin),
                FieldSpec("status", .choice, options: ["pending", "delivered", "failed"], writableBy: .admin),
                FieldSpec("attempts", .integer, minimum: 0, writableBy: .admin),
                FieldSpec("last_error", .text, writableBy: .admin),
                FieldSpec("next_attempt_at", .timestamp, writableBy: .admin),
                FieldSpec("delivered_at", .timestamp, writableBy: .admin),
                FieldSpec("created_at", .timestamp, writableBy: .admin),
            ],
            creatableBy: .admin, deletableBy: .admin, serverOnly: true),
        // Campaign email: a Mustache template sent to a segment (`canvass mailing`). `mailing send`
        // sets `send_requested_at`; the server then queues one delivery per person (id
        // `MAILING@PERSON`), so sending twice reaches nobody twice.
        CollectionSpec(
            name: "mailings",
            fields: [
                FieldSpec("campaign_id", .reference, target: "campaigns"), FieldSpec("name", .string, maxLength: 200),
                FieldSpec("segment_id", .reference, target: "segments"),
                FieldSpec("subject", .string, maxLength: 400), FieldSpec("template", .text, maxLength: 262_144),
                FieldSpec("send_requested_at", .timestamp), FieldSpec("requested_by", .string, maxLength: 64),
                FieldSpec("created_at", .timestamp),
            ],
            creatableBy: .coordinator),
        // The account directory (`Directory`): mirrored by the server, read by coordinators and
        // admins offline, outside every canvasser's scope, and written by no device.
        CollectionSpec(
            name: "users",
            fields: [
                FieldSpec("name", .string, maxLength: 64, writableBy: .admin),
                FieldSpec("role", .choice, options: Role.allCases.map(\.rawValue), writableBy: .admin),
            ],
            creatableBy: .admin, deletableBy: .admin, serverOnly: true),
        CollectionSpec(
            name: "devices",
            fields: [
                FieldSpec("user_id", .string, maxLength: 64, writableBy: .admin),
                FieldSpec("name", .string, maxLength: 100, writableBy: .admin),
                FieldSpec("revoked", .boolean, writableBy: .admin),
            ],
            creatableBy: .admin, deletableBy: .admin, serverOnly: true),
    ])
}
