package flows

// JustADate is justADate, for the tests.
var JustADate = justADate
