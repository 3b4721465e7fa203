// Package awsconfig reads and edits the AWS shared credentials and config
// files (~/.aws/credentials, ~/.aws/config) the way a careful person would:
// only the named sections and keys change; other profiles, comments, blank
// lines and unknown keys stay byte for byte. Files are written atomically
// (a temporary file in the same directory, fsync, rename) with mode 0600.
//
// The format is the INI dialect of the AWS CLI and SDKs: "[section]"
// headers, "key = value" lines, "#" and ";" comments, and indented
// continuation lines for nested settings (a services section's
// "s3 =\n  endpoint_url = URL").
package awsconfig
