package webhook

// NeutralTitle is neutralTitle, for the tests of package webhook_test.
var NeutralTitle = neutralTitle
