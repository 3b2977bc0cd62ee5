package pack

// EmailWords are the words of the referral emails in one language.
type EmailWords struct{}

// readEmail reads email.yaml.
func (l *loader) readEmail() {}
