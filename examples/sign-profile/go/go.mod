module example.com/p13n-sign-profile

go 1.22

require github.com/golang-jwt/jwt/v5 v5.2.1
