package policy

import (
	"encoding/json"
	"testing"
)

func TestMarshalCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc, want string }{
		{
			"single statement becomes an array",
			`{ "Statement": { "Resource": "*", "Action": "s3:GetObject", "Effect": "Allow" }, "Version": "2012-10-17" }`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
		},
		{
			"lists, not-forms and conditions sorted",
			`{"Id":"x&<y>","Version":"2012-10-17","Statement":[{"Condition":{"StringLike":{"s3:prefix":["a/*"]},"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":1e3}},
			  "NotResource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"NotAction":["s3:Delete*"],"Effect":"Deny","Sid":"S1"}]}`,
			`{"Version":"2012-10-17","Id":"x&<y>","Statement":[{"Sid":"S1","Effect":"Deny","NotAction":"s3:Delete*","NotResource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"true"},"NumericLessThan":{"s3:max-keys":"1e3"},"StringLike":{"s3:prefix":"a/*"}}}]}`,
		},
		{
			"principals",
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":["a","b"],"AWS":"123456789012"},"Action":"*","Resource":"*"},{"Effect":"Deny","NotPrincipal":"*","Action":"*","Resource":"*"}]}`,
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012","Service":["a","b"]},"Action":"*","Resource":"*"},{"Effect":"Deny","NotPrincipal":"*","Action":"*","Resource":"*"}]}`,
		},
		{
			"escapes",
			`{"Statement":{"Sid":"q\"\\\n\u0001\u2028é","Effect":"Allow","Action":"*","Resource":"*"}}`,
			"{\"Statement\":[{\"Sid\":\"q\\\"\\\\\\n\\u0001\u2028é\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, tc.doc)
			got, err := p.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("Marshal:\n got %s\nwant %s", got, tc.want)
			}
			if !json.Valid(got) {
				t.Errorf("Marshal output is not valid JSON")
			}
			if p.String() != string(got) {
				t.Errorf("String() differs from MarshalJSON")
			}
			again, err := mustParse(t, string(got)).MarshalJSON()
			if err != nil || string(again) != string(got) {
				t.Errorf("not stable: %s then %s (%v)", got, again, err)
			}
		})
	}
}
