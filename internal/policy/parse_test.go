package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		kind      Kind
		stmts     int
	}{
		{"single statement object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, KindIdentity, 1},
		{"statement array", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]},{"Sid":"D","Effect":"Deny","NotAction":"s3:*","NotResource":"arn:aws:s3:::b/*"}]}`, KindIdentity, 2},
		{"no version", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, KindAny, 1},
		{"old version", `{"Version":"2008-10-17","Id":"x","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, KindAny, 1},
		{"bucket policy star", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, KindResource, 1},
		{"bucket policy AWS list", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:root","arn:aws:sts::123456789012:assumed-role/r/s"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, KindResource, 1},
		{"not principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:role/admin"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`, KindResource, 1},
		{"service principal", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}]}`, KindResource, 1},
		{"conditions", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*",""]},"ForAllValues:StringEquals":{"jwt:groups":["a","b"]},"NumericLessThanEquals":{"s3:max-keys":100},"Bool":{"aws:SecureTransport":true},"IpAddressIfExists":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32","192.0.2.1"]},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},"Null":{"jwt:email":"false"},"ArnLike":{"aws:PrincipalArn":"arn:aws:sts::*:assumed-role/dev/*"}}}]}`, KindIdentity, 1},
		{"empty condition", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}]}`, KindAny, 1},
		{"variable default", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${jwt:preferred_username, 'anon'}/*"}]}`, KindIdentity, 1},
		{"other service key accepted", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"ec2:Region":"x"}}}]}`, KindAny, 1},
		{"whitespace and BOM-free unicode", "{\n  \"Statement\": [ { \"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"arn:aws:s3:::b/日本/*\" } ]\n}\n", KindAny, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParseKind([]byte(tc.doc), tc.kind)
			if err != nil {
				t.Fatalf("ParseKind: %v", err)
			}
			if p.Len() != tc.stmts {
				t.Errorf("Len() = %d, want %d", p.Len(), tc.stmts)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	const allow = `"Effect":"Allow","Action":"s3:GetObject","Resource":"*"`
	tests := []struct {
		name, doc string
		kind      Kind
		path      string // want ValidationError.Path
		msg       string // want substring of the message
		line, col int    // 0: not checked
	}{
		{"not JSON", `{"Statement": [}`, KindAny, "", "invalid JSON", 1, 16},
		{"truncated", `{"Statement": [`, KindAny, "", "unexpected end", 1, 16},
		{"syntax on line 3", "{\n \"Version\": \"2012-10-17\",\n \"Statement\": [,]\n}", KindAny, "", "invalid JSON", 3, 16},
		{"trailing data", `{"Statement":{` + allow + `}} {}`, KindAny, "", "unexpected data after", 1, 0},
		{"not an object", `[1]`, KindAny, "", "must be a JSON object", 1, 1},
		{"duplicate key", `{"Statement":{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}}`, KindAny, "", `duplicate key "Effect"`, 1, 32},
		{"too deep", `{"Statement":{"Condition":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]}}`, KindAny, "", "nested deeper", 0, 0},
		{"unknown top-level", `{"Statment":[]}`, KindAny, "", `unknown top-level field "Statment" (did you mean "Statement"?)`, 1, 2},
		{"missing statement", `{"Version":"2012-10-17"}`, KindAny, "", "missing Statement", 1, 1},
		{"bad version", `{"Version":"2012-10-18","Statement":{` + allow + `}}`, KindAny, "Version", `unsupported version "2012-10-18"`, 1, 12},
		{"version not string", `{"Version":2012,"Statement":{` + allow + `}}`, KindAny, "Version", "must be a string", 0, 0},
		{"id not string", `{"Id":1,"Statement":{` + allow + `}}`, KindAny, "Id", "must be a string", 0, 0},
		{"empty statements", `{"Statement":[]}`, KindAny, "Statement", "has no statements", 0, 0},
		{"statement not object", `{"Statement":["x"]}`, KindAny, "Statement[0]", "must be an object", 0, 0},
		{"statement string", `{"Statement":"x"}`, KindAny, "Statement", "must be an object or an array", 0, 0},
		{"unknown statement field", `{"Statement":[{` + allow + `},{"Efect":"Allow"}]}`, KindAny, "Statement[1]", `unknown field "Efect" (did you mean "Effect"?)`, 0, 0},
		{"missing effect", `{"Statement":[{"Action":"*","Resource":"*"}]}`, KindAny, "Statement[0]", "missing Effect", 1, 15},
		{"bad effect", `{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`, KindAny, "Statement[0].Effect", `must be "Allow" or "Deny", not "allow" (did you mean "Allow"?)`, 0, 0},
		{"effect not string", `{"Statement":[{"Effect":true,"Action":"*","Resource":"*"}]}`, KindAny, "Statement[0].Effect", "not a boolean", 0, 0},
		{"action and notaction", `{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}`, KindAny, "Statement[0]", "both Action and NotAction", 0, 0},
		{"no action", `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, KindAny, "Statement[0]", "missing Action", 0, 0},
		{"empty action list", `{"Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}`, KindAny, "Statement[0].Action", "empty array", 0, 0},
		{"action not string", `{"Statement":[{"Effect":"Allow","Action":["s3:GetObject",5],"Resource":"*"}]}`, KindAny, "Statement[0].Action[1]", "must be a string", 0, 0},
		{"action without service", `{"Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}`, KindAny, "Statement[0].Action", "not of the form service:action", 0, 0},
		{"action wildcard service", `{"Statement":[{"Effect":"Allow","Action":"s*:GetObject","Resource":"*"}]}`, KindAny, "Statement[0].Action", "invalid service prefix", 0, 0},
		{"action bad char", `{"Statement":[{"Effect":"Allow","Action":["s3:*","s3:Get Object"],"Resource":"*"}]}`, KindAny, "Statement[0].Action[1]", "invalid character", 0, 0},
		{"resource and notresource", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}]}`, KindAny, "Statement[0]", "both Resource and NotResource", 0, 0},
		{"no resource", `{"Statement":[{"Effect":"Allow","Action":"*"}]}`, KindAny, "Statement[0]", "missing Resource", 0, 0},
		{"bad arn", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":["*","bucket/*"]}]}`, KindAny, "Statement[0].Resource[1]", `invalid resource "bucket/*"`, 1, 62},
		{"short arn", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3::b"}]}`, KindAny, "Statement[0].Resource", "invalid resource", 0, 0},
		{"arn wildcard service", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s*:::b"}]}`, KindAny, "Statement[0].Resource", "wildcards are not allowed in the service part", 0, 0},
		{"bad variable", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username"}]}`, KindAny, "Statement[0].Resource", "unterminated policy variable", 0, 0},
		{"unknown aws variable", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:usrname}"}]}`, KindAny, "Statement[0].Resource", `unknown global condition key "aws:usrname" (did you mean "aws:username"?)`, 0, 0},
		{"duplicate sid", `{"Statement":[{"Sid":"A",` + allow + `},{"Sid":"A",` + allow + `}]}`, KindAny, "Statement[1].Sid", `duplicate Sid "A"`, 0, 0},
		{"principal in identity policy", `{"Statement":[{"Principal":"*",` + allow + `}]}`, KindIdentity, "Statement[0].Principal", "not allowed in an identity", 0, 0},
		{"no principal in bucket policy", `{"Statement":[{` + allow + `}]}`, KindResource, "Statement[0]", "missing Principal", 0, 0},
		{"principal and notprincipal", `{"Statement":[{"Principal":"*","NotPrincipal":"*",` + allow + `}]}`, KindAny, "Statement[0]", "both Principal and NotPrincipal", 0, 0},
		{"principal string", `{"Statement":[{"Principal":"alice",` + allow + `}]}`, KindAny, "Statement[0].Principal", `must be "*" or an object`, 0, 0},
		{"principal type", `{"Statement":[{"Principal":{"Aws":"*"},` + allow + `}]}`, KindAny, "Statement[0].Principal", `unknown principal type "Aws"`, 0, 0},
		{"principal wildcard", `{"Statement":[{"Principal":{"AWS":"arn:aws:iam::123456789012:role/*"},` + allow + `}]}`, KindAny, "Statement[0].Principal.AWS", "wildcards are not allowed", 0, 0},
		{"principal bad value", `{"Statement":[{"Principal":{"AWS":["*","alice"]},` + allow + `}]}`, KindAny, "Statement[0].Principal.AWS[1]", `invalid AWS principal "alice"`, 0, 0},
		{"principal empty object", `{"Statement":[{"Principal":{},` + allow + `}]}`, KindAny, "Statement[0].Principal", "names no principal", 0, 0},
		{"condition not object", `{"Statement":[{` + allow + `,"Condition":[]}]}`, KindAny, "Statement[0].Condition", "must be an object", 0, 0},
		{"unknown operator", `{"Statement":[{` + allow + `},{},{` + allow + `,"Condition":{"StringLikee":{"s3:prefix":"a"}}}]}`, KindAny, "Statement[1]", "must be", 0, 0},
		{"unknown operator exact", `{"Statement":[{` + allow + `},{` + allow + `},{` + allow + `,"Condition":{"StringLikee":{"s3:prefix":"a"}}}]}`, KindAny, "Statement[2].Condition", `unknown operator "StringLikee" (did you mean "StringLike"?)`, 0, 0},
		{"operator case", `{"Statement":[{` + allow + `,"Condition":{"stringequals":{"s3:prefix":"a"}}}]}`, KindAny, "Statement[0].Condition", `unknown operator "stringequals" (did you mean "StringEquals"?)`, 0, 0},
		{"null ifexists", `{"Statement":[{` + allow + `,"Condition":{"NullIfExists":{"s3:prefix":"true"}}}]}`, KindAny, "Statement[0].Condition", "Null takes neither", 0, 0},
		{"null qualifier", `{"Statement":[{` + allow + `,"Condition":{"ForAnyValue:Null":{"s3:prefix":"true"}}}]}`, KindAny, "Statement[0].Condition", "Null takes neither", 0, 0},
		{"operator not object", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":"x"}}]}`, KindAny, "Statement[0].Condition.StringEquals", "must be an object", 0, 0},
		{"operator empty", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{}}}]}`, KindAny, "Statement[0].Condition.StringEquals", "names no condition key", 0, 0},
		{"unknown aws key", `{"Statement":[{` + allow + `,"Condition":{"IpAddress":{"aws:SourceIP4":"10.0.0.0/8"}}}]}`, KindAny, "Statement[0].Condition.IpAddress", `unknown global condition key "aws:SourceIP4" (did you mean "aws:SourceIp"?)`, 0, 0},
		{"key without prefix", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{"username":"a"}}}]}`, KindAny, "Statement[0].Condition.StringEquals", "not of the form service:name", 0, 0},
		{"key twice", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{"aws:username":"a","AWS:UserName":"b"}}}]}`, KindAny, "Statement[0].Condition.StringEquals", "appears twice", 0, 0},
		{"value null", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{"aws:username":null}}}]}`, KindAny, "Statement[0].Condition.StringEquals.aws:username", "not null", 0, 0},
		{"value empty array", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{"aws:username":[]}}}]}`, KindAny, "Statement[0].Condition.StringEquals.aws:username", "empty array", 0, 0},
		{"value object", `{"Statement":[{` + allow + `,"Condition":{"StringEquals":{"aws:username":["a",{}]}}}]}`, KindAny, "Statement[0].Condition.StringEquals.aws:username[1]", "not an object", 0, 0},
		{"numeric not number", `{"Statement":[{` + allow + `,"Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}}]}`, KindAny, "Statement[0].Condition.NumericLessThan.s3:max-keys", `"ten" is not a number`, 0, 0},
		{"numeric NaN", `{"Statement":[{` + allow + `,"Condition":{"NumericLessThan":{"s3:max-keys":"NaN"}}}]}`, KindAny, "Statement[0].Condition.NumericLessThan.s3:max-keys", "not a number", 0, 0},
		{"date bad", `{"Statement":[{` + allow + `,"Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}}]}`, KindAny, "Statement[0].Condition.DateLessThan.aws:CurrentTime", "not a date", 0, 0},
		{"bool bad", `{"Statement":[{` + allow + `,"Condition":{"Bool":{"aws:SecureTransport":"yes"}}}]}`, KindAny, "Statement[0].Condition.Bool.aws:SecureTransport", "not a boolean", 0, 0},
		{"ip bad", `{"Statement":[{` + allow + `,"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","10.0.0.0/33"]}}}]}`, KindAny, "Statement[0].Condition.IpAddress.aws:SourceIp[1]", "not an IP address", 0, 0},
		{"arn bad", `{"Statement":[{` + allow + `,"Condition":{"ArnLike":{"aws:SourceArn":"not-an-arn"}}}]}`, KindAny, "Statement[0].Condition.ArnLike.aws:SourceArn", "not an ARN", 0, 0},
		{"condition variable bad", `{"Version":"2012-10-17","Statement":[{` + allow + `,"Condition":{"StringLike":{"s3:prefix":"${aws:nope}/*"}}}]}`, KindAny, "Statement[0].Condition.StringLike.s3:prefix", `unknown global condition key "aws:nope"`, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParseKind([]byte(tc.doc), tc.kind)
			if err == nil {
				t.Fatalf("ParseKind succeeded (%s), want an error", p)
			}
			ve := asValidation(t, err)
			if tc.name == "unknown operator" {
				return // the empty statement fails first: only the type is checked
			}
			if ve.Path != tc.path {
				t.Errorf("Path = %q, want %q (error %v)", ve.Path, tc.path, err)
			}
			if !strings.Contains(ve.Msg, tc.msg) {
				t.Errorf("Msg = %q, want it to contain %q", ve.Msg, tc.msg)
			}
			if tc.line != 0 && ve.Line != tc.line {
				t.Errorf("Line = %d, want %d (error %v)", ve.Line, tc.line, err)
			}
			if tc.col != 0 && ve.Column != tc.col {
				t.Errorf("Column = %d, want %d (error %v)", ve.Column, tc.col, err)
			}
			if ve.Offset < 0 || ve.Offset > len(tc.doc) {
				t.Errorf("Offset = %d out of the document", ve.Offset)
			}
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	t.Parallel()
	doc := "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\",\n     \"Condition\": {\"StringLikee\": {\"s3:prefix\": \"a\"}}}\n  ]\n}"
	_, err := Parse([]byte(doc))
	want := `Statement[0].Condition: unknown operator "StringLikee" (did you mean "StringLike"?) (line 4, column 20)`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestParseTooLarge(t *testing.T) {
	t.Parallel()
	doc := `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}` + strings.Repeat(" ", MaxDocumentSize)
	_, err := Parse([]byte(doc))
	if !errors.Is(err, ErrPolicyTooLarge) {
		t.Fatalf("error = %v, want ErrPolicyTooLarge", err)
	}
	if errors.Is(err, ErrMalformedPolicy) {
		t.Errorf("ErrPolicyTooLarge must not also be ErrMalformedPolicy")
	}
	if _, err := Parse([]byte(doc[:MaxDocumentSize])); err != nil {
		t.Errorf("a document of exactly MaxDocumentSize bytes: %v", err)
	}
}

func TestParseWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"clean", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:Get*","s3:listbucket","s3:*"],"Resource":"*"}}`, nil},
		{"unknown s3 action", `{"Statement":{"Effect":"Allow","Action":["s3:GetObject","s3:GetObjekt"],"Resource":"*"}}`,
			[]string{`Statement.Action[1]: unknown S3 action "s3:GetObjekt" (did you mean "s3:GetObject"?)`}},
		{"wildcard matching nothing", `{"Statement":{"Effect":"Allow","Action":"s3:Frobnicate*","Resource":"*"}}`,
			[]string{`Statement.Action: unknown S3 action "s3:Frobnicate*"`}},
		{"other service", `{"Statement":{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*"}}`,
			[]string{`Statement.Action: action "iam:CreateUser" is for service "iam", which fedstore does not serve: it never matches`}},
		{"unknown s3 key", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"s3:prefx":"a"}}}}`,
			[]string{`Statement.Condition.StringEquals: unknown S3 condition key "s3:prefx" (did you mean "s3:prefix"?): it is never present in a request`}},
		{"variables without version", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username}/*"}}`,
			[]string{`Version: absent: policy variables such as ${aws:username} are taken literally; add "Version": "2012-10-17"`}},
		{"notprincipal allow", `{"Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"123456789012"},"Action":"*","Resource":"*"}}`,
			[]string{`Statement.NotPrincipal: NotPrincipal with "Allow" grants access to every principal not listed, anonymous included`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, tc.doc)
			var got []string
			for _, w := range p.Warnings() {
				got = append(got, w.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
