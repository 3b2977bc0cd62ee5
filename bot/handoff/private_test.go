package handoff

import "testing"

// TestRefusePrivate: the dialer's check refuses every address a pack's URL
// must not lead to, in each of its forms, and lets public ones through.
func TestRefusePrivate(t *testing.T) {
	for _, tc := range []struct {
		address string
		refused bool
	}{
		{"127.0.0.1:80", true}, {"127.8.9.10:443", true}, {"[::1]:443", true},
		{"10.1.2.3:443", true}, {"172.16.0.1:443", true}, {"172.31.255.254:443", true}, {"192.168.1.1:443", true},
		{"[fc00::1]:443", true}, {"[fd12:3456::1]:443", true},
		{"169.254.169.254:80", true}, {"[fe80::1]:443", true},
		{"0.0.0.0:443", true}, {"0.1.2.3:443", true}, {"[::]:443", true},
		{"224.0.0.1:443", true}, {"239.255.255.250:1900", true}, {"[ff02::1]:443", true},
		{"100.64.0.1:443", true}, {"100.127.255.254:443", true},
		{"[::ffff:127.0.0.1]:443", true}, {"[::ffff:169.254.169.254]:80", true}, {"[::ffff:10.0.0.1]:443", true},
		{"[64:ff9b::a9fe:a9fe]:80", true}, {"[64:ff9b::7f00:1]:80", true},
		{"not an address", true},
		{"8.8.8.8:443", false}, {"93.184.216.34:443", false}, {"100.128.0.1:443", false}, {"172.32.0.1:443", false},
		{"[2606:4700:4700::1111]:443", false}, {"[::ffff:8.8.8.8]:443", false}, {"[64:ff9b::808:808]:443", false},
	} {
		err := refusePrivate("tcp", tc.address, nil)
		if (err != nil) != tc.refused || err != nil && err != ErrPrivateAddress {
			t.Errorf("refusePrivate(%q) = %v, want refused %v", tc.address, err, tc.refused)
		}
	}
}
