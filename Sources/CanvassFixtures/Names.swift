/// Embedded name and place lists for the synthetic voter file. Common US names, combined at random:
/// any match with a real person is a coincidence. A few names carry an apostrophe, a hyphen, a space
/// or an accent so importers meet them in tests.
enum Names {
    static let female: [String] = [
        "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
        "Lisa", "Nancy", "Betty", "Sandra", "Margaret", "Ashley", "Kimberly", "Emily", "Donna", "Michelle",
        "Carol", "Amanda", "Melissa", "Deborah", "Stephanie", "Dorothy", "Rebecca", "Sharon", "Laura", "Cynthia",
        "Amy", "Kathleen", "Angela", "Shirley", "Brenda", "Emma", "Anna", "Pamela", "Nicole", "Samantha",
        "Katherine", "Christine", "Helen", "Debra", "Rachel", "Carolyn", "Janet", "Maria", "Olivia", "Heather",
        "Diane", "Julie", "Joyce", "Victoria", "Ruth", "Virginia", "Lauren", "Kelly", "Christina", "Joan",
        "Evelyn", "Judith", "Andrea", "Hannah", "Megan", "Cheryl", "Jacqueline", "Martha", "Madison", "Teresa",
        "Gloria", "Sara", "Janice", "Ann", "Kathryn", "Abigail", "Sophia", "Frances", "Jean", "Alice",
        "Judy", "Isabella", "Julia", "Grace", "Amber", "Denise", "Danielle", "Marilyn", "Beverly", "Charlotte",
        "Natalie", "Theresa", "Diana", "Brittany", "Doris", "Kayla", "Alexis", "Lori", "Marie", "Mia",
        "Ava", "Chloe", "Aaliyah", "Destiny", "Jasmine", "Ximena", "Guadalupe", "Mei", "Priya", "Zoë",
        "Renée", "Mary Ann",
    ]

    static let male: [String] = [
        "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas", "Christopher",
        "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Andrew", "Paul", "Joshua",
        "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Jason", "Edward", "Jeffrey", "Ryan",
        "Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen", "Larry", "Justin", "Scott", "Brandon",
        "Benjamin", "Samuel", "Gregory", "Alexander", "Patrick", "Frank", "Raymond", "Jack", "Dennis", "Jerry",
        "Tyler", "Aaron", "Jose", "Adam", "Nathan", "Henry", "Zachary", "Douglas", "Peter", "Kyle",
        "Noah", "Ethan", "Jeremy", "Walter", "Christian", "Keith", "Roger", "Terry", "Austin", "Sean",
        "Gerald", "Carl", "Harold", "Dylan", "Arthur", "Lawrence", "Jordan", "Jesse", "Bryan", "Billy",
        "Bruce", "Gabriel", "Joe", "Logan", "Alan", "Juan", "Albert", "Willie", "Elijah", "Wayne",
        "Randy", "Vincent", "Mason", "Roy", "Ralph", "Bobby", "Russell", "Bradley", "Philip", "Eugene",
        "Malik", "DeShawn", "Luis", "Carlos", "Wei", "Arjun", "Tariq", "José", "Jean-Luc", "D'Andre",
    ]

    /// Names for people recorded with gender X or with none.
    static let neutral: [String] = [
        "Jordan", "Taylor", "Alex", "Casey", "Riley", "Morgan", "Jamie", "Avery", "Quinn", "Rowan",
        "Skyler", "Dakota", "Reese", "Sam", "Charlie", "Emerson", "Finley", "Hayden", "Kendall", "Parker",
    ]

    static let last: [String] = [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Garcia", "Rodriguez", "Wilson",
        "Martinez", "Anderson", "Taylor", "Thomas", "Hernandez", "Moore", "Martin", "Jackson", "Thompson", "White",
        "Lopez", "Lee", "Gonzalez", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Perez", "Hall",
        "Young", "Allen", "Sanchez", "Wright", "King", "Scott", "Green", "Baker", "Adams", "Nelson",
        "Hill", "Ramirez", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Torres",
        "Parker", "Collins", "Edwards", "Stewart", "Flores", "Morris", "Nguyen", "Murphy", "Rivera", "Cook",
        "Rogers", "Morgan", "Peterson", "Cooper", "Reed", "Bailey", "Bell", "Gomez", "Kelly", "Howard",
        "Ward", "Cox", "Diaz", "Richardson", "Wood", "Watson", "Brooks", "Bennett", "Gray", "James",
        "Reyes", "Cruz", "Hughes", "Price", "Myers", "Long", "Foster", "Sanders", "Ross", "Morales",
        "Powell", "Sullivan", "Russell", "Ortiz", "Jenkins", "Gutierrez", "Perry", "Butler", "Barnes", "Fisher",
        "Henderson", "Coleman", "Simmons", "Patterson", "Jordan", "Reynolds", "Hamilton", "Graham", "Kim", "Patel",
        "Schmidt", "Mueller", "Kowalski", "Yoder", "Hoffman", "Wagner", "Becker", "Schneider", "Shah", "Chen",
        "O'Brien", "O'Connor", "McDonald", "MacKenzie", "De La Cruz", "Van Dyke", "St. John", "Smith-Jones",
        "Muñoz", "Peña", "Núñez", "Abdi", "Mohamed", "Okafor", "Tran", "Pham",
    ]

    static let suffixes: [String] = ["Jr", "Sr", "II", "III", "IV"]
}

/// The synthetic town's streets: `eastWest` streets run along latitude lines, south to north;
/// `northSouth` streets along longitude lines, west to east. Together they make a 12 × 12 grid.
enum Streets {
    static let eastWest: [String] = [
        "Maple Ave", "Oak Ave", "Elm Ave", "Chestnut Ave", "Walnut Ave", "Hickory Ave",
        "Sycamore Ave", "Linden Ave", "Poplar Ave", "Willow Ave", "Birch Ave", "Cherry Ave",
    ]
    static let northSouth: [String] = [
        "Adams St", "Bryden Rd", "Clinton St", "Dennison Pl", "Euclid St", "Fairwood St",
        "Garfield St", "Harrison St", "Indiana St", "Jefferson St", "Kenmore Rd", "Lincoln St",
    ]
}

/// Area codes used with the fictional 555-0100…555-0199 exchange block: Ohio's first, then
/// neighbours (people keep their mobile numbers when they move).
enum AreaCodes {
    static let all: [String] = [
        "614", "380", "740", "937", "513", "216", "330", "419", "440", "567", "220", "234", "283", "326",
        "202", "212", "231", "248", "260", "269", "304", "312", "317", "412", "502", "517", "586", "606",
        "616", "630", "724", "734", "765", "810", "859", "989",
    ]
}
