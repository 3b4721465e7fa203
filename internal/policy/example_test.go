package policy_test

import (
	"errors"
	"fmt"

	"github.com/fedstore/fedstore/internal/policy"
)

func Example() {
	identity, err := policy.ParseIdentity([]byte(`{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Sid": "Home", "Effect": "Allow", "Action": "s3:*",
	     "Resource": "arn:aws:s3:::home/${jwt:preferred_username}/*"},
	    {"Sid": "NoKeys", "Effect": "Deny", "Action": "s3:*",
	     "Resource": "arn:aws:s3:::home/*/.ssh/*"}
	  ]
	}`))
	if err != nil {
		panic(err)
	}
	policies := policy.Set{{Name: "home", Policy: identity}}

	var ctx policy.Context
	ctx.Set("jwt:preferred_username", "alice")
	for _, res := range []string{"arn:aws:s3:::home/alice/notes.txt", "arn:aws:s3:::home/alice/.ssh/id", "arn:aws:s3:::home/bob/x"} {
		d := policies.Evaluate(policy.Request{Action: "s3:GetObject", Resource: res, Context: ctx})
		fmt.Println(d)
	}
	// Output:
	// Allow by policy "home" Statement[0] (Sid "Home")
	// Deny by policy "home" Statement[1] (Sid "NoKeys")
	// NotApplicable (no statement allows)
}

func ExampleParse_error() {
	_, err := policy.Parse([]byte(`{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
  "Resource": "*", "Condition": {"StringLikee": {"s3:prefix": "home/*"}}}]}`))
	fmt.Println(err)
	fmt.Println(errors.Is(err, policy.ErrMalformedPolicy))
	// Output:
	// Statement[0].Condition: unknown operator "StringLikee" (did you mean "StringLike"?) (line 2, column 34)
	// true
}

func ExampleIntersect() {
	identity := policy.Set{{Name: "rw", Policy: mustParse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}}`)}}
	session := policy.Set{{Name: "session", Policy: mustParse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`)}}
	for _, action := range []string{"s3:GetObject", "s3:PutObject"} {
		req := policy.Request{Action: action, Resource: "arn:aws:s3:::b/k"}
		fmt.Println(action, policy.Intersect(identity.Evaluate(req), session.Evaluate(req)).Effect)
	}
	// Output:
	// s3:GetObject Allow
	// s3:PutObject NotApplicable
}

func mustParse(doc string) *policy.Policy {
	p, err := policy.Parse([]byte(doc))
	if err != nil {
		panic(err)
	}
	return p
}
